using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Controllers;

/// <summary>
/// Additive-increase, multiplicative-decrease of the concurrency limit, as Netflix's
/// concurrency-limits AIMD: +1 per interval while the limit is in use and no call dropped,
/// × <see cref="BackoffRatio"/> when a call was dropped (timed out, or slower than <see cref="TimeoutMs"/>);
/// other errors are ignored, as Netflix's limiter ignores them. Defaults are Netflix's: initial 20, min 20, max 200, ratio 0.9,
/// timeout 5 s (a slower call counts as a drop).
/// </summary>
public sealed class AimdController(string name = "aimd") : IPathwayController
{
    /// <summary>The starting limit.</summary>
    public int InitialLimit { get; init; } = 20;

    /// <summary>The smallest limit (Netflix: 20; a "tuned floor" lowers it).</summary>
    public int MinLimit { get; init; } = 20;

    /// <summary>The largest limit.</summary>
    public int MaxLimit { get; init; } = 200;

    /// <summary>The decrease factor on a drop.</summary>
    public double BackoffRatio { get; init; } = 0.9;

    /// <summary>Calls slower than this count as drops, in ms.</summary>
    public double TimeoutMs { get; init; } = 5_000;

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
        // A drop is what Netflix's AIMD backs off on: a call that timed out (or ran slower than its
        // timeout). Other errors (a 503 from a failing backend, an open breaker) are ignored, and calls the
        // limiter itself shed are not samples at all.
        var dropped = window.Timeouts > 0 || window.RttP50Ms > TimeoutMs;
        var limit = dropped
            ? (int)Math.Floor(current.ConcurrencyLimit * BackoffRatio)
            : window.InFlight * 2 >= current.ConcurrencyLimit ? current.ConcurrencyLimit + 1 : current.ConcurrencyLimit;
        return current with { ConcurrencyLimit = Math.Clamp(limit, MinLimit, MaxLimit) };
    }
}
