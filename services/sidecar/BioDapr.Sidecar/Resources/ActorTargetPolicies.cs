namespace BioDapr.Sidecar.Resources;

/// <summary>Policies for calls to one actor type; breakers are per type, per actor id, or both, cached up to <paramref name="CircuitBreakerCacheSize"/> (default 5000).</summary>
internal sealed record ActorTargetPolicies(
    string? Timeout,
    string? Retry,
    string? CircuitBreaker,
    ActorCircuitBreakerScope CircuitBreakerScope,
    int CircuitBreakerCacheSize);
