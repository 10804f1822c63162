namespace BioDapr.Sidecar.Invocation;

/// <summary>Header names of service invocation.</summary>
internal static class InvocationHeaders
{
    public const string AppId = "dapr-app-id";
    public const string CallerAppId = "dapr-caller-app-id";
    public const string CalleeAppId = "dapr-callee-app-id";
    public const string CallerNamespace = "dapr-caller-namespace";
    public const string ApiToken = "dapr-api-token";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}
