namespace BioDapr.Pathways.Policies;

/// <summary>How one attempt (or one call) on a pathway ended.</summary>
public enum PathwayOutcome
{
    /// <summary>The target answered 2xx/3xx.</summary>
    Success,

    /// <summary>The target answered 4xx: it is healthy, the request was not (never retried, not a breaker failure).</summary>
    ClientError,

    /// <summary>The target answered 5xx.</summary>
    ServerError,

    /// <summary>The attempt exceeded its timeout.</summary>
    Timeout,

    /// <summary>The call could not reach the target (connection refused, reset, sidecar error).</summary>
    TransportError,

    /// <summary>Rejected without trying: the circuit breaker is open.</summary>
    BreakerOpen,

    /// <summary>Rejected without trying: the concurrency limit and its queue are full (load shedding).</summary>
    Shed,

    /// <summary>The caller gave up (its own cancellation).</summary>
    Canceled,
}

/// <summary>Which outcomes count as what.</summary>
public static class PathwayOutcomes
{
    /// <summary>Outcomes worth another attempt.</summary>
    public static bool IsRetryable(PathwayOutcome outcome) =>
        outcome is PathwayOutcome.ServerError or PathwayOutcome.Timeout or PathwayOutcome.TransportError;

    /// <summary>Outcomes the circuit breaker counts as failures of the target.</summary>
    public static bool IsFailure(PathwayOutcome outcome) =>
        outcome is PathwayOutcome.ServerError or PathwayOutcome.Timeout or PathwayOutcome.TransportError;

    /// <summary>Outcomes that mean the caller got a usable answer.</summary>
    public static bool IsGood(PathwayOutcome outcome) => outcome is PathwayOutcome.Success or PathwayOutcome.ClientError;

    /// <summary>The outcome of an HTTP status code.</summary>
    public static PathwayOutcome FromStatusCode(int statusCode) => statusCode switch
    {
        >= 500 => PathwayOutcome.ServerError,
        >= 400 => PathwayOutcome.ClientError,
        _ => PathwayOutcome.Success,
    };
}
