using BioDapr.Sidecar.Expressions;

namespace BioDapr.Sidecar.Resources;

/// <summary>A named circuit breaker (<c>spec.policies.circuitBreakers.&lt;name&gt;</c>), with Dapr's defaults applied later by the engine.</summary>
/// <param name="MaxRequests">Requests let through while half-open; 0 means 1.</param>
/// <param name="Interval">While closed, counts are cleared every interval; zero never clears them.</param>
/// <param name="Timeout">How long the breaker stays open before going half-open; zero means 60 s.</param>
/// <param name="Trip">When to open, over <c>requests</c>, <c>totalSuccesses</c>, <c>totalFailures</c>, <c>consecutiveSuccesses</c> and <c>consecutiveFailures</c>; null means <c>consecutiveFailures &gt; 5</c>.</param>
/// <param name="TripText">The trip expression as written.</param>
internal sealed record CircuitBreakerDefinition(int MaxRequests, TimeSpan Interval, TimeSpan Timeout, CelExpression? Trip, string? TripText);
