using BioDapr.Pathways.Hormones;

namespace BioDapr.Pathways.Policies;

/// <summary>Exponential backoff with full jitter: a uniform delay in [0, min(max, base·2^attempt)]. Randomness is injected (seeded in the simulator).</summary>
public static class Backoff
{
    /// <summary>The delay before retry number <paramref name="retry"/> (1-based).</summary>
    public static TimeSpan Delay(int retry, PathwayHormones hormones, Random random)
    {
        ArgumentNullException.ThrowIfNull(hormones);
        ArgumentNullException.ThrowIfNull(random);
        if (hormones.RetryBaseDelayMs == 0)
        {
            return TimeSpan.Zero;
        }

        var ceiling = Math.Min(hormones.RetryMaxDelayMs, hormones.RetryBaseDelayMs * Math.Pow(2, Math.Min(retry - 1, 30)));
        double sample;
        lock (random)
        {
            sample = random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(sample * ceiling);
    }
}
