using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Tracing;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// What daprd's interceptors do before a gRPC handler runs: the <c>dapr-api-token</c> check (exactly as the
/// HTTP API: required on every call when DAPR_API_TOKEN is set) and the call's span from the
/// <c>traceparent</c>/<c>tracestate</c> metadata, whose <c>traceparent</c> goes back in the response headers.
/// </summary>
internal sealed class GrpcCallGuard(SidecarRuntime runtime)
{
    private const string SpanKey = "biodapr.span";

    /// <summary>Checks the token and starts the span; throws <see cref="RpcException"/> (Unauthenticated) on a bad token.</summary>
    public void Enter(ServerCallContext call)
    {
        var token = runtime.Settings.ApiToken;
        if (!string.IsNullOrEmpty(token))
        {
            var sent = call.RequestHeaders.Get(InvocationHeaders.ApiToken)?.Value;
            if (sent is null)
            {
                throw GrpcErrors.Unauthenticated("missing api token in request metadata");
            }

            if (sent != token)
            {
                throw GrpcErrors.Unauthenticated("authentication error: api token mismatch");
            }
        }

        var span = runtime.Tracing.StartSpan(call.RequestHeaders.GetValue(InvocationHeaders.TraceParent), call.RequestHeaders.GetValue(InvocationHeaders.TraceState));
        if (span is { } trace)
        {
            call.UserState[SpanKey] = trace;
            call.ResponseTrailers.Add(InvocationHeaders.TraceParent, trace.TraceParent);
        }
    }

    /// <summary>
    /// Ends the span <see cref="Enter"/> started, named after the gRPC method as daprd names it (recorded when a collector
    /// is configured); <paramref name="error"/> is the failed call's status code, null on success.
    /// </summary>
    public void Exit(ServerCallContext call, string? error) =>
        runtime.Tracing.End(Span(call), call.Method, error, [new("dapr.protocol", "grpc"), new("dapr.api", call.Method)]);

    /// <summary>The span <see cref="Enter"/> started for the call; null when tracing is off.</summary>
    public static TraceContext? Span(ServerCallContext call) =>
        call.UserState.TryGetValue(SpanKey, out var span) ? (TraceContext?)span : null;
}
