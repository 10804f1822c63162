namespace BioDapr.Sidecar.Resources;

/// <summary>Where a subscription came from (reported by <c>GET /v1.0/metadata</c> as DECLARATIVE, PROGRAMMATIC or STREAMING).</summary>
internal enum SubscriptionKind
{
    /// <summary>A <c>kind: Subscription</c> document in a resources path.</summary>
    Declarative,

    /// <summary>Returned by the app's <c>GET /dapr/subscribe</c>.</summary>
    Programmatic,

    /// <summary>Opened by the app over the streaming subscription API.</summary>
    Streaming,
}
