namespace BioDapr.Sidecar.Resiliency;

/// <summary>The state of a circuit breaker.</summary>
internal enum CircuitBreakerState
{
    /// <summary>Calls go through; failures are counted.</summary>
    Closed,

    /// <summary>Calls are refused until the timeout passes.</summary>
    Open,

    /// <summary>A limited number of trial calls go through; one failure reopens, enough successes close.</summary>
    HalfOpen,
}
