namespace BioDapr.Sidecar.Resources;

/// <summary>Policy names for one direction of a component (null when not set).</summary>
internal sealed record PolicyNames(string? Timeout, string? Retry, string? CircuitBreaker)
{
    /// <summary>No policies.</summary>
    public static PolicyNames None { get; } = new(null, null, null);
}
