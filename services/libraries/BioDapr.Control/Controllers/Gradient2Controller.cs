using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Controllers;

/// <summary>
/// Netflix's Gradient2 concurrency limit: compares the short-term latency with a long-term
/// exponential average; when the short one grows beyond <see cref="RttTolerance"/> × the long one the
/// limit shrinks by the gradient, otherwise it grows by the queue allowance; the result is smoothed.
/// Defaults are Netflix's: initial 20, min 20, max 200, smoothing 0.2, tolerance 1.5, long window 600
/// samples (here: intervals), queue size 4.
/// </summary>
public sealed class Gradient2Controller(string name = "gradient2") : IPathwayController
{
    private readonly Dictionary<string, double> _longRtt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _limit = new(StringComparer.Ordinal);

    /// <summary>The starting limit.</summary>
    public int InitialLimit { get; init; } = 20;

    /// <summary>The smallest limit (Netflix: 20; a "tuned floor" lowers it).</summary>
    public int MinLimit { get; init; } = 20;

    /// <summary>The largest limit.</summary>
    public int MaxLimit { get; init; } = 200;

    /// <summary>How much of each new estimate is taken.</summary>
    public double Smoothing { get; init; } = 0.2;

    /// <summary>Short/long latency ratio tolerated before shrinking.</summary>
    public double RttTolerance { get; init; } = 1.5;

    /// <summary>Length of the long-term average, in intervals.</summary>
    public int LongWindow { get; init; } = 600;

    /// <summary>Growth allowance per interval.</summary>
    public double QueueSize { get; init; } = 4;

    /// <summary>The hormones besides the limit (timeout, retries, retry budget, breaker, hedging) it runs with; the defaults unless tuned.</summary>
    public PathwayHormones Base { get; init; } = PathwayHormones.Default;

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => Base with { ConcurrencyLimit = InitialLimit };

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        var limit = _limit.GetValueOrDefault(pathway, current.ConcurrencyLimit);
        if (window.Successes == 0 || window.RttP50Ms <= 0)
        {
            return current;
        }

        var shortRtt = window.RttP50Ms;
        var longRtt = _longRtt.TryGetValue(pathway, out var known) ? known + ((shortRtt - known) * 2.0 / (LongWindow + 1)) : shortRtt;

        // Let the long average drift down quickly after an overload, as Gradient2 does.
        if (longRtt / shortRtt > 2)
        {
            longRtt *= 0.95;
        }

        _longRtt[pathway] = longRtt;

        // Only grow when the limit is actually being used.
        if (window.InFlight < limit / 2)
        {
            return current with { ConcurrencyLimit = (int)Math.Round(limit) };
        }

        var gradient = Math.Max(0.5, Math.Min(1.0, RttTolerance * longRtt / shortRtt));
        var target = (limit * gradient) + QueueSize;
        limit = Math.Clamp((limit * (1 - Smoothing)) + (target * Smoothing), MinLimit, MaxLimit);
        _limit[pathway] = limit;
        return current with { ConcurrencyLimit = (int)Math.Round(limit) };
    }
}
