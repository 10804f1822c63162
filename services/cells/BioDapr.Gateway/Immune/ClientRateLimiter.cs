using System.Collections.Concurrent;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// One token bucket per caller (a client, or a source address), refilled at the current hormone rate on every
/// take (so a limit change applies to the next request and a caller's debt is kept). Buckets that have refilled
/// completely are forgotten now and then, so a flood of addresses cannot grow memory without bound.
/// </summary>
public sealed class ClientRateLimiter(TimeProvider time)
{
    private const int PruneEvery = 4_096;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private int _takes;

    /// <summary>Callers with a bucket now.</summary>
    public int Count => _buckets.Count;

    /// <summary>Takes one token from <paramref name="caller"/>'s bucket; when empty, says how long until the next token.</summary>
    public bool TryTake(string caller, double ratePerSecond, int burst, out TimeSpan retryAfter)
    {
        if (Interlocked.Increment(ref _takes) % PruneEvery == 0)
        {
            Prune(ratePerSecond, burst);
        }

        var bucket = _buckets.GetOrAdd(caller, _ => new Bucket(burst, time.GetTimestamp()));
        lock (bucket)
        {
            var now = time.GetTimestamp();
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (time.GetElapsedTime(bucket.RefilledAt, now).TotalSeconds * ratePerSecond));
            bucket.RefilledAt = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / ratePerSecond);
            return false;
        }
    }

    // A bucket that would be full again is the same as no bucket.
    private void Prune(double ratePerSecond, int burst)
    {
        var now = time.GetTimestamp();
        foreach (var (caller, bucket) in _buckets)
        {
            lock (bucket)
            {
                if (bucket.Tokens + (time.GetElapsedTime(bucket.RefilledAt, now).TotalSeconds * ratePerSecond) >= burst)
                {
                    _buckets.TryRemove(new KeyValuePair<string, Bucket>(caller, bucket));
                }
            }
        }
    }

    private sealed class Bucket(double tokens, long refilledAt)
    {
        public double Tokens { get; set; } = tokens;

        public long RefilledAt { get; set; } = refilledAt;
    }
}
