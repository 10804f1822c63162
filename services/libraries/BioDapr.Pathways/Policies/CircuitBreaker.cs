using BioDapr.Pathways.Hormones;

namespace BioDapr.Pathways.Policies;

/// <summary>
/// A failure-ratio circuit breaker whose thresholds are read at every decision, so changing
/// <see cref="PathwayHormones"/> never resets its counts or its state. Closed: attempts and failures
/// are counted over a sliding sampling window (10 buckets); when at least
/// <see cref="PathwayHormones.BreakerMinThroughput"/> attempts were seen and the failure ratio reaches
/// <see cref="PathwayHormones.BreakerFailureRatio"/>, it opens for
/// <see cref="PathwayHormones.BreakerBreakMs"/>; then one probe decides between closing and re-opening.
/// </summary>
public sealed class CircuitBreaker
{
    private const int Buckets = 10;
    private readonly Lock _lock = new();
    private readonly long[] _attempts = new long[Buckets];
    private readonly long[] _failures = new long[Buckets];
    private long _currentBucket = long.MinValue;
    private long _bucketTicks;
    private TimeSpan _openedAt;
    private bool _probeInFlight;

    /// <summary>The current state (as of the last decision).</summary>
    public CircuitState State { get; private set; } = CircuitState.Closed;

    /// <summary>How many times the breaker opened.</summary>
    public long Openings { get; private set; }

    /// <summary>Asks whether an attempt may go ahead now. Callers that get true must report the result with <see cref="OnResult"/>.</summary>
    public bool TryAcquire(TimeSpan now, PathwayHormones hormones)
    {
        lock (_lock)
        {
            if (!hormones.BreakerEnabled)
            {
                if (State != CircuitState.Closed)
                {
                    Close();
                }

                return true;
            }

            switch (State)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open when now - _openedAt >= TimeSpan.FromMilliseconds(hormones.BreakerBreakMs):
                    State = CircuitState.HalfOpen;
                    _probeInFlight = true;
                    return true;
                case CircuitState.HalfOpen when !_probeInFlight:
                    _probeInFlight = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Reports how an allowed attempt ended.</summary>
    public void OnResult(TimeSpan now, PathwayOutcome outcome, PathwayHormones hormones)
    {
        var failed = PathwayOutcomes.IsFailure(outcome);
        if (outcome is PathwayOutcome.Canceled or PathwayOutcome.Shed or PathwayOutcome.BreakerOpen)
        {
            lock (_lock)
            {
                // Not an answer from the target: release a probe slot without judging the target.
                if (State == CircuitState.HalfOpen)
                {
                    _probeInFlight = false;
                }
            }

            return;
        }

        lock (_lock)
        {
            switch (State)
            {
                case CircuitState.HalfOpen:
                    if (failed)
                    {
                        Open(now);
                    }
                    else
                    {
                        Close();
                    }

                    return;
                case CircuitState.Open:
                    return;
            }

            Advance(now, hormones);
            _attempts[Index(_currentBucket)]++;
            if (failed)
            {
                _failures[Index(_currentBucket)]++;
            }

            var attempts = _attempts.Sum();
            if (hormones.BreakerEnabled && failed && attempts >= hormones.BreakerMinThroughput
                && (double)_failures.Sum() / attempts >= hormones.BreakerFailureRatio)
            {
                Open(now);
            }
        }
    }

    private void Open(TimeSpan now)
    {
        State = CircuitState.Open;
        _openedAt = now;
        _probeInFlight = false;
        Openings++;
    }

    private void Close()
    {
        State = CircuitState.Closed;
        _probeInFlight = false;
        Array.Clear(_attempts);
        Array.Clear(_failures);
        _currentBucket = long.MinValue;
    }

    private void Advance(TimeSpan now, PathwayHormones hormones)
    {
        var bucketTicks = Math.Max(1, TimeSpan.FromMilliseconds(hormones.BreakerSamplingMs).Ticks / Buckets);
        if (bucketTicks != _bucketTicks)
        {
            // A new sampling window length re-scales the buckets; keep the totals in the newest bucket.
            var attempts = _attempts.Sum();
            var failures = _failures.Sum();
            Array.Clear(_attempts);
            Array.Clear(_failures);
            _bucketTicks = bucketTicks;
            _currentBucket = now.Ticks / bucketTicks;
            _attempts[Index(_currentBucket)] = attempts;
            _failures[Index(_currentBucket)] = failures;
            return;
        }

        var bucket = now.Ticks / bucketTicks;
        if (_currentBucket == long.MinValue || bucket - _currentBucket >= Buckets)
        {
            Array.Clear(_attempts);
            Array.Clear(_failures);
        }
        else
        {
            for (var b = _currentBucket + 1; b <= bucket; b++)
            {
                _attempts[Index(b)] = 0;
                _failures[Index(b)] = 0;
            }
        }

        if (bucket > _currentBucket)
        {
            _currentBucket = bucket;
        }
    }

    private static int Index(long bucket) => (int)(((bucket % Buckets) + Buckets) % Buckets);
}
