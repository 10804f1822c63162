using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Testing.Time;

/// <summary>
/// <see cref="FakeTimeProvider"/> (time moves only through <c>Advance</c>/<c>SetUtcNow</c>, firing due timers in
/// order) that also tells a test what the code under test scheduled: the due time of every timer armed so far
/// (<see cref="ScheduledDelays"/>: a retry's backoff, an attempt's timeout) and how many timers are still waiting
/// (<see cref="ActiveTimers"/>: "the code is now waiting on the clock"). The clock itself is the library's.
/// </summary>
public sealed class TimerRecordingTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _scheduled = [];
    private int _active;

    /// <summary>A clock at 2026-01-01 00:00 UTC.</summary>
    public TimerRecordingTimeProvider()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Due times of every timer armed with a finite due time, in order.</summary>
    public IReadOnlyList<TimeSpan> ScheduledDelays
    {
        get
        {
            lock (_gate)
            {
                return [.. _scheduled];
            }
        }
    }

    /// <summary>Timers that will still fire.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new RecordedTimer(this);
        // Recorded before the library arms it: a timer due now fires inside CreateTimer.
        timer.Arm(dueTime, period);
        timer.Inner = base.CreateTimer(
            s =>
            {
                timer.Fired();
                callback(s);
            },
            state,
            dueTime,
            period);
        return timer;
    }

    private sealed class RecordedTimer(TimerRecordingTimeProvider owner) : ITimer
    {
        private bool _armed;
        private bool _periodic;

        public ITimer Inner { get; set; } = null!;

        public void Arm(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                var armed = dueTime != Timeout.InfiniteTimeSpan;
                if (armed)
                {
                    owner._scheduled.Add(dueTime);
                }

                Track(armed);
                _periodic = period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero;
            }
        }

        public void Fired()
        {
            lock (owner._gate)
            {
                if (!_periodic)
                {
                    Track(false);
                }
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime, period);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            Disarm();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disarm();
            return Inner.DisposeAsync();
        }

        private void Disarm()
        {
            lock (owner._gate)
            {
                Track(false);
            }
        }

        // Called under the owner's lock.
        private void Track(bool armed)
        {
            if (armed != _armed)
            {
                _armed = armed;
                owner._active += armed ? 1 : -1;
            }
        }
    }
}
