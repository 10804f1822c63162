
namespace BioDapr.Sidecar.Resiliency;

/// <summary>Log messages of the resiliency engine.</summary>
internal static partial class ResiliencyLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Error processing operation {Policy}. Retrying in {Delay}: {Error}")]
    public static partial void Retrying(ILogger logger, string policy, TimeSpan delay, string error);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Operation {Policy} failed again (attempt {Attempt}); retrying in {Delay}: {Error}")]
    public static partial void RetryingAgain(ILogger logger, string policy, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Recovered processing operation {Policy} after {Attempts} attempts")]
    public static partial void Recovered(ILogger logger, string policy, int attempts);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Circuit breaker {Breaker} changed state from {From} to {To}")]
    public static partial void BreakerStateChanged(ILogger logger, string breaker, CircuitBreakerState from, CircuitBreakerState to);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Circuit breaker {Breaker}: trip expression '{Expression}' failed ({Error}); not tripping")]
    public static partial void TripExpressionFailed(ILogger logger, string breaker, string expression, string error);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Attempted override of {Policy} did not meet minimum retry count, resetting to 3")]
    public static partial void BuiltInOverrideReset(ILogger logger, string policy);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Attempted to override protected policy {Policy}, which is not allowed; using the built-in policy")]
    public static partial void ProtectedPolicyIgnored(ILogger logger, string policy);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Resiliency target {Target} names {Kind} policy {Policy}, which is not defined; it is ignored")]
    public static partial void UnknownPolicy(ILogger logger, string target, string kind, string policy);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Debug, Message = "Operation {Policy} failed after its timeout had already expired")]
    public static partial void AbandonedAttemptFailed(ILogger logger, string policy, Exception? error);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Loading Resiliency configuration: {Resiliency}")]
    public static partial void Loading(ILogger logger, string resiliency);
}
