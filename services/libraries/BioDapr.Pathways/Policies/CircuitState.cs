namespace BioDapr.Pathways.Policies;

/// <summary>The three states of a circuit breaker.</summary>
public enum CircuitState
{
    /// <summary>Calls flow; failures are counted.</summary>
    Closed,

    /// <summary>Calls are rejected until the break duration passes.</summary>
    Open,

    /// <summary>One probe is let through; its result closes or re-opens the circuit.</summary>
    HalfOpen,
}
