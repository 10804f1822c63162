namespace BioDapr.Client;

/// <summary>A loaded component as <c>GET /v1.0/metadata</c> lists it.</summary>
public sealed record DaprRegisteredComponent
{
    /// <summary>The component name.</summary>
    public string Name { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The component type, for example <c>state.redis</c>.</summary>
    public string Type { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The component version, usually <c>v1</c>.</summary>
    public string Version { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Feature names, for example <c>ETAG</c>, <c>TRANSACTIONAL</c>, <c>TTL</c>.</summary>
    public IReadOnlyList<string> Capabilities { get; init => field = value ?? []; } = [];
}
