namespace BioDapr.Sidecar.Components;

/// <summary>
/// A Dapr component instance (one <c>kind: Component</c> document) after initialisation.
/// Implementations are created by the component factory and disposed when the sidecar stops.
/// </summary>
internal interface IComponent : IAsyncDisposable
{
    /// <summary>The component name (<c>metadata.name</c>).</summary>
    string Name { get; }

    /// <summary>The component type, for example <c>pubsub.redis</c>.</summary>
    string Type { get; }

    /// <summary>The component version (<c>spec.version</c>, usually <c>v1</c>).</summary>
    string Version { get; }

    /// <summary>Feature names reported by <c>GET /v1.0/metadata</c> (for example <c>ETAG</c>, <c>TRANSACTIONAL</c>).</summary>
    IReadOnlyList<string> Capabilities { get; }
}
