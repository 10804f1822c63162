using System.Collections.Concurrent;

namespace BioDapr.Gateway.Apis;

/// <summary>
/// One token bucket per client, refilled at the current hormone rate on every take (so a limit change
/// applies to the next request and a client's debt is kept).
/// </summary>
public sealed class ClientRateLimiter(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes one token from <paramref name="client"/>'s bucket; when empty, says how long until the next token.</summary>
    public bool TryTake(string client, double ratePerSecond, int burst, out TimeSpan retryAfter)
    {
        var bucket = _buckets.GetOrAdd(client, _ => new Bucket(burst, time.GetTimestamp()));
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

    private sealed class Bucket(double tokens, long refilledAt)
    {
        public double Tokens { get; set; } = tokens;

        public long RefilledAt { get; set; } = refilledAt;
    }
}
