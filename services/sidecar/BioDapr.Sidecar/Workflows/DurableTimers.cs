namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// The timers of every instance in one queue ordered by due time, driven by one <see cref="ITimer"/> on the
/// injected clock (the development sidecar's stand-in for the Scheduler's workflow reminders). A timer already
/// due fires at once. Timers are not persisted here: the TimerCreated events in the history are, and the
/// engine arms them again after a restart.
/// </summary>
internal sealed class DurableTimers : IDisposable
{
    // A wake-up further away than this is re-checked then (ITimer takes at most ~49 days; "wait forever" timers are year 9999).
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private readonly PriorityQueue<DueTimer, DateTimeOffset> _queue = new();
    private readonly TimeProvider _time;
    private readonly Action<DueTimer> _fire;
    private readonly ITimer _timer;
    private DateTimeOffset _armedFor = DateTimeOffset.MaxValue;
    private bool _disposed;

    public DurableTimers(TimeProvider time, Action<DueTimer> fire)
    {
        _time = time;
        _fire = fire;
        _timer = time.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Timers waiting.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Arms a timer; one already due fires on the caller's thread.</summary>
    public void Add(DueTimer timer)
    {
        if (timer.FireAt <= _time.GetUtcNow())
        {
            _fire(timer);
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue(timer, timer.FireAt);
            RearmLocked();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _queue.Clear();
        }

        _timer.Dispose();
    }

    private void Tick()
    {
        var due = new List<DueTimer>();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _armedFor = DateTimeOffset.MaxValue;
            var now = _time.GetUtcNow();
            while (_queue.TryPeek(out var next, out var at) && at <= now)
            {
                _queue.Dequeue();
                due.Add(next);
            }

            RearmLocked();
        }

        foreach (var timer in due)
        {
            _fire(timer);
        }
    }

    private void RearmLocked()
    {
        if (!_queue.TryPeek(out _, out var at) || at >= _armedFor)
        {
            return;
        }

        var delay = at - _time.GetUtcNow();
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxSleep ? MaxSleep : delay;
        _armedFor = at;
        _timer.Change(delay, Timeout.InfiniteTimeSpan);
    }
}

/// <summary>A timer of one generation of one instance.</summary>
internal sealed record DueTimer(string InstanceId, ulong Generation, int TimerId, DateTimeOffset FireAt, bool IsStart = false);
