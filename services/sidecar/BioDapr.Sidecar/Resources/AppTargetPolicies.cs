namespace BioDapr.Sidecar.Resources;

/// <summary>Policies for calls to one app id; breakers are kept per endpoint in an LRU cache of <paramref name="CircuitBreakerCacheSize"/> entries (default 100).</summary>
internal sealed record AppTargetPolicies(string? Timeout, string? Retry, string? CircuitBreaker, int CircuitBreakerCacheSize);
