namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// Thrown by an operation run under a <see cref="ResiliencyPolicy"/> to report a failure that carries a
/// status code (an HTTP status from the target app, a gRPC code). The retry policy's <c>matching</c> decides
/// whether it is retried; when retries run out it propagates unchanged, so the caller can still return the
/// target's original status and <see cref="Payload"/> (for example the response body and headers).
/// </summary>
internal sealed class StatusCodeFailureException(int statusCode, object? payload = null, string? message = null)
    : Exception(message ?? $"the target answered with status {statusCode}")
{
    /// <summary>The HTTP status (100-599) or gRPC code (0-16).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>Whatever the caller needs to reproduce the target's answer.</summary>
    public object? Payload { get; } = payload;
}
