using BioDapr.Pathways.Hormones;

namespace BioDapr.Simulation.Controllers;

/// <summary>
/// A policy that tunes pathways by choosing their hormones every decision interval from the last
/// window of vital signs: the same contract in the simulator and (later) in the live cortex, which
/// writes the chosen values to the configuration store.
/// </summary>
public interface IPathwayController
{
    /// <summary>A short name for reports.</summary>
    string Name { get; }

    /// <summary>The hormones a pathway starts with.</summary>
    PathwayHormones Initial(string pathway);

    /// <summary>The hormones for the next interval, given the last window and the current values.</summary>
    PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current);
}

/// <summary>One decision interval of a pathway, as a controller sees it.</summary>
/// <param name="Seconds">The window length.</param>
/// <param name="Calls">Calls started.</param>
/// <param name="Successes">Calls that succeeded.</param>
/// <param name="Failures">Calls that failed (errors, timeouts, open breaker).</param>
/// <param name="Rejected">Calls the limiter shed.</param>
/// <param name="RttP50Ms">Median latency of the successful calls.</param>
/// <param name="RttMinMs">Fastest successful call.</param>
/// <param name="InFlight">Calls in flight at the end of the window.</param>
public sealed record PathwayWindow(double Seconds, long Calls, long Successes, long Failures, long Rejected, double RttP50Ms, double RttMinMs, int InFlight);

/// <summary>A fixed policy: the same hormones all the time (no controller, or a hand-tuned one).</summary>
public sealed class StaticController(string name, PathwayHormones hormones) : IPathwayController
{
    /// <summary>No resilience at all: no retries, no breaker, no limit, a long timeout.</summary>
    public static StaticController None { get; } = new("none", PathwayHormones.Default with
    {
        MaxRetries = 0,
        BreakerEnabled = false,
        ConcurrencyLimit = 100_000,
        TimeoutMs = 60_000,
    });

    /// <summary>BioDapr's defaults (<see cref="PathwayHormones.Default"/>).</summary>
    public static StaticController Defaults { get; } = new("defaults", PathwayHormones.Default);

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => hormones;

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current) => hormones;
}
