namespace BioDapr.Sidecar.Resources;

/// <summary>How actor circuit breakers are shared: one per actor type, one per actor id, or both (treated as per id).</summary>
internal enum ActorCircuitBreakerScope
{
    /// <summary>One breaker for the whole actor type.</summary>
    Type,

    /// <summary>One breaker per actor id.</summary>
    Id,

    /// <summary>Accepted by Dapr; behaves as per-id.</summary>
    Both,
}
