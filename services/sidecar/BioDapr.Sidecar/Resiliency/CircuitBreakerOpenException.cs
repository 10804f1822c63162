namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// The circuit breaker refused the call: it is open, or it is half-open and already let its maximum number
/// of trial requests through. Retries stop at this error.
/// </summary>
internal sealed class CircuitBreakerOpenException(string breakerName, bool tooManyRequests)
    : Exception(tooManyRequests
        ? $"circuit breaker '{breakerName}' is half-open: too many requests"
        : $"circuit breaker '{breakerName}' is open")
{
    /// <summary>The breaker's name.</summary>
    public string BreakerName { get; } = breakerName;

    /// <summary>True for the half-open "too many requests" case, false when open.</summary>
    public bool TooManyRequests { get; } = tooManyRequests;
}
