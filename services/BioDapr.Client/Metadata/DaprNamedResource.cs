namespace BioDapr.Client;

/// <summary>A resource that <c>GET /v1.0/metadata</c> lists by name only (HTTP endpoints, resiliencies, ...).</summary>
public sealed record DaprNamedResource
{
    /// <summary>The resource name.</summary>
    public string Name { get; init => field = value ?? string.Empty; } = string.Empty;
}
