using BioDapr.Pathways.Policies;

namespace BioDapr.Pathways.Pipeline;

/// <summary>A pathway refused or cut short an attempt: breaker open, shed by the limiter, or attempt timeout.</summary>
public sealed class PathwayRejectedException(string pathway, PathwayOutcome reason)
    : Exception($"pathway '{pathway}': {Describe(reason)}")
{
    /// <summary>The pathway's name.</summary>
    public string Pathway { get; } = pathway;

    /// <summary><see cref="PathwayOutcome.BreakerOpen"/>, <see cref="PathwayOutcome.Shed"/> or <see cref="PathwayOutcome.Timeout"/>.</summary>
    public PathwayOutcome Reason { get; } = reason;

    private static string Describe(PathwayOutcome reason) => reason switch
    {
        PathwayOutcome.BreakerOpen => "the circuit breaker is open",
        PathwayOutcome.Shed => "the concurrency limit and its queue are full",
        PathwayOutcome.Timeout => "the attempt timed out",
        _ => reason.ToString(),
    };
}
