using BioDapr.Contracts.Vitals;
namespace BioDapr.Control.Controllers;

/// <summary>
/// One decision interval of a pathway, as a controller sees it: the simulator closes one per interval,
/// the live cortex builds one from a cell's <c>vitals</c> event (<see cref="VitalsWindow"/>).
/// </summary>
/// <param name="Seconds">The window length.</param>
/// <param name="Calls">Calls started.</param>
/// <param name="Successes">Calls that succeeded.</param>
/// <param name="Failures">Calls that failed (errors, timeouts, open breaker).</param>
/// <param name="Rejected">Calls the limiter shed.</param>
/// <param name="RttP50Ms">Median latency of the successful calls.</param>
/// <param name="RttMinMs">Fastest successful call.</param>
/// <param name="InFlight">Calls in flight at the end of the window.</param>
public sealed record PathwayWindow(double Seconds, long Calls, long Successes, long Failures, long Rejected, double RttP50Ms, double RttMinMs, int InFlight)
{
    /// <summary>99th percentile latency of the successful calls, ms.</summary>
    public double RttP99Ms { get; init; }

    /// <summary>Attempts made (first attempts and retries).</summary>
    public long Attempts { get; init; }

    /// <summary>Attempts that ended with the attempt timeout.</summary>
    public long Timeouts { get; init; }

    /// <summary>The most calls in flight at once during the window.</summary>
    public int MaxInFlight { get; init; }

    /// <summary>Mean time the window's admitted calls waited in the limiter's queue, ms (0 where not measured).</summary>
    public double QueueDelayMs { get; init; }

    /// <summary>
    /// Calls that succeeded within the latency objective (goodput; null where not measured, then every
    /// success counts). A call answered after the objective is not goodput: the caller's own deadline has
    /// passed or is about to.
    /// </summary>
    public long? SuccessesWithinSlo { get; init; }

    /// <summary>Goodput: the successes within the latency objective (all successes when that was not measured).</summary>
    public long Goodput => Math.Clamp(SuccessesWithinSlo ?? Successes, 0, Math.Max(0, Successes));

    /// <summary>Attempts per call (1 = no retries).</summary>
    public double Amplification => Calls == 0 ? 1 : (double)Attempts / Calls;

    /// <summary>Builds a window from a live vitals window.</summary>
    public static PathwayWindow FromVitals(VitalsWindow vitals)
    {
        ArgumentNullException.ThrowIfNull(vitals);
        return new PathwayWindow(
            vitals.Seconds,
            vitals.Calls,
            vitals.Successes,
            vitals.Failures - vitals.Shed,
            vitals.Shed,
            vitals.LatencyP50Ms,
            // Live windows carry no minimum; the p50 of a calm window is the closest honest estimate.
            vitals.LatencyP50Ms,
            vitals.InFlight)
        {
            RttP99Ms = vitals.LatencyP99Ms,
            SuccessesWithinSlo = vitals.SuccessesWithinSlo,
            Attempts = vitals.Attempts,
            Timeouts = vitals.Timeouts,
            MaxInFlight = vitals.MaxInFlight,
        };
    }
}
