using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// The waits of one retried execution: a constant wait, or an exponential one that starts at the initial
/// interval, is drawn uniformly from ±<see cref="RetrySettings.RandomizationFactor"/> around the current
/// interval, grows by the multiplier up to the maximum interval, and stops once the next wait would end past
/// the maximum elapsed time (measured from the first attempt). <see cref="RetrySettings.MaxRetries"/> caps the
/// number of waits when it is not negative.
/// </summary>
internal sealed class RetryBackoffSequence
{
    private readonly RetrySettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly RetryJitter _jitter;
    private readonly long _started;
    private double _currentIntervalTicks;
    private long _retries;

    public RetryBackoffSequence(RetrySettings settings, TimeProvider timeProvider, RetryJitter jitter)
    {
        _settings = settings;
        _timeProvider = timeProvider;
        _jitter = jitter;
        _started = timeProvider.GetTimestamp();
        _currentIntervalTicks = settings.InitialInterval.Ticks;
    }

    /// <summary>The wait before the next attempt, or null when no attempt is left.</summary>
    public TimeSpan? Next()
    {
        if (_settings.MaxRetries >= 0)
        {
            if (_retries >= _settings.MaxRetries)
            {
                return null;
            }

            _retries++;
        }

        if (_settings.Policy == RetryBackoff.Constant)
        {
            return _settings.Duration;
        }

        var elapsed = _timeProvider.GetElapsedTime(_started);
        var next = Randomize(_currentIntervalTicks);
        Grow();
        if (_settings.MaxElapsedTime > TimeSpan.Zero && elapsed + next > _settings.MaxElapsedTime)
        {
            return null;
        }

        return next;
    }

    private TimeSpan Randomize(double intervalTicks)
    {
        var factor = _settings.RandomizationFactor;
        if (factor == 0)
        {
            return TimeSpan.FromTicks((long)intervalTicks);
        }

        var delta = factor * intervalTicks;
        var min = intervalTicks - delta;
        var max = intervalTicks + delta;
        return TimeSpan.FromTicks((long)(min + (_jitter.NextDouble() * (max - min))));
    }

    private void Grow()
    {
        var max = (double)_settings.MaxInterval.Ticks;
        _currentIntervalTicks = _currentIntervalTicks >= max / _settings.Multiplier
            ? max
            : _currentIntervalTicks * _settings.Multiplier;
    }
}
