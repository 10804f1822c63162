namespace BioDapr.Client;

/// <summary>
/// Typed client for the Dapr sidecar HTTP API (daprd or the BioDapr development sidecar). Every
/// method maps to one daprd endpoint; non-success answers throw <see cref="DaprApiException"/>
/// unless a method says otherwise. The building blocks are split over partial files:
/// pub/sub (neurotransmitters), configuration (hormones), secrets, state, service invocation
/// (synaptic pathways), and metadata/health.
/// </summary>
public partial interface IDaprSidecarClient
{
    /// <summary>The resolved sidecar address and token this client uses.</summary>
    DaprSidecarConnection Connection { get; }
}
