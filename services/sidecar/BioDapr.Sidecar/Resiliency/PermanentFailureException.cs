namespace BioDapr.Sidecar.Resiliency;

/// <summary>Thrown by an operation to fail without being retried (it still counts as a failure for the circuit breaker).</summary>
internal sealed class PermanentFailureException(string message, Exception? inner = null) : Exception(message, inner);
