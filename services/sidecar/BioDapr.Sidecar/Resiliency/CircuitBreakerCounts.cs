namespace BioDapr.Sidecar.Resiliency;

/// <summary>The counters a breaker's <c>trip</c> expression sees; cleared on every state change and every closed-state interval.</summary>
internal readonly record struct CircuitBreakerCounts(
    long Requests,
    long TotalSuccesses,
    long TotalFailures,
    long ConsecutiveSuccesses,
    long ConsecutiveFailures)
{
    public CircuitBreakerCounts WithRequest() => this with { Requests = Requests + 1 };

    public CircuitBreakerCounts WithSuccess() => this with
    {
        TotalSuccesses = TotalSuccesses + 1,
        ConsecutiveSuccesses = ConsecutiveSuccesses + 1,
        ConsecutiveFailures = 0,
    };

    public CircuitBreakerCounts WithFailure() => this with
    {
        TotalFailures = TotalFailures + 1,
        ConsecutiveFailures = ConsecutiveFailures + 1,
        ConsecutiveSuccesses = 0,
    };
}
