using BioDapr.Pathways.Hormones;

namespace BioDapr.Pathways.Policies;

/// <summary>
/// Caps retry amplification: over a sliding 10-second window, retries and hedges may not exceed
/// <see cref="PathwayHormones.RetryBudgetPercent"/> of requests plus
/// <see cref="PathwayHormones.RetryBudgetMinPerSecond"/> per second. The window keeps counting across
/// hormone changes. Time is passed in, so the live pipeline and the simulator share this code.
/// </summary>
public sealed class RetryBudget
{
    private const int Buckets = 10;
    private static readonly TimeSpan BucketLength = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly long[] _requests = new long[Buckets];
    private readonly long[] _retries = new long[Buckets];
    private long _currentBucket = long.MinValue;

    /// <summary>Records one request (a call, not an attempt).</summary>
    public void OnRequest(TimeSpan now)
    {
        lock (_lock)
        {
            Advance(now);
            _requests[Index(_currentBucket)]++;
        }
    }

    /// <summary>Takes one retry (or hedge) from the budget; false when the budget is spent.</summary>
    public bool TryWithdraw(TimeSpan now, PathwayHormones hormones)
    {
        lock (_lock)
        {
            Advance(now);
            var window = Buckets * BucketLength.TotalSeconds;
            var allowed = (hormones.RetryBudgetPercent / 100.0 * _requests.Sum()) + (hormones.RetryBudgetMinPerSecond * window);
            if (_retries.Sum() + 1 > allowed)
            {
                return false;
            }

            _retries[Index(_currentBucket)]++;
            return true;
        }
    }

    private void Advance(TimeSpan now)
    {
        var bucket = now.Ticks / BucketLength.Ticks;
        if (_currentBucket == long.MinValue || bucket - _currentBucket >= Buckets)
        {
            Array.Clear(_requests);
            Array.Clear(_retries);
        }
        else
        {
            for (var b = _currentBucket + 1; b <= bucket; b++)
            {
                _requests[Index(b)] = 0;
                _retries[Index(b)] = 0;
            }
        }

        if (bucket > _currentBucket)
        {
            _currentBucket = bucket;
        }
    }

    private static int Index(long bucket) => (int)(((bucket % Buckets) + Buckets) % Buckets);
}
