using BioDapr.Cell.Hosting;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Cell.Pathways;

/// <summary>
/// What a pathway applies right after its cell warmed up, when the cells and sidecars it calls may still be cold:
/// attempt timeouts and the breaker's minimum throughput start at <see cref="WarmupOptions.ColdTimeoutFactor"/> times
/// the hormones (so cold-start latency is not taken for failure), and the concurrency limit starts at
/// <see cref="WarmupOptions.ColdLimitFraction"/> of the hormone (at least 4 calls); all ease linearly to the hormones'
/// values over <see cref="WarmupOptions.ColdStart"/>. Before the cell is ready it is as cold as it gets.
/// </summary>
internal sealed class PathwayColdStart(CellReadiness readiness, WarmupOptions options)
{
    private const int MinimumColdLimit = 4;

    /// <summary>The hormones in force now.</summary>
    public PathwayHormones Adjust(PathwayHormones hormones)
    {
        var window = options.ColdStart;
        if (window <= TimeSpan.Zero || readiness.SinceReady is { } since && since >= window)
        {
            return hormones;
        }

        // 1 right after the warm-up, 0 at the end of the window.
        var cold = 1 - Math.Clamp((readiness.SinceReady ?? TimeSpan.Zero) / window, 0, 1);
        var factor = 1 + ((options.ColdTimeoutFactor - 1) * cold);
        var fraction = options.ColdLimitFraction + ((1 - options.ColdLimitFraction) * (1 - cold));
        return hormones with
        {
            TimeoutMs = (int)Math.Min(60_000, hormones.TimeoutMs * factor),
            BreakerMinThroughput = (int)Math.Min(100_000, hormones.BreakerMinThroughput * factor),
            ConcurrencyLimit = Math.Min(hormones.ConcurrencyLimit, Math.Max(MinimumColdLimit, (int)Math.Ceiling(hormones.ConcurrencyLimit * fraction))),
        };
    }
}
