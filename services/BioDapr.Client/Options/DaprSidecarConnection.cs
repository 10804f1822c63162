namespace BioDapr.Client;

/// <summary>The sidecar address and API token after resolution, and where the address came from.</summary>
/// <param name="HttpEndpoint">The HTTP API base address; its path always ends with <c>/</c>.</param>
/// <param name="ApiToken">The API token to send as <c>dapr-api-token</c>, or null to send none.</param>
/// <param name="EndpointSource">
/// What supplied <paramref name="HttpEndpoint"/>: <c>Dapr:HttpEndpoint</c>, <c>DAPR_HTTP_ENDPOINT</c>,
/// <c>DAPR_HTTP_PORT</c> or <c>default</c>. Used in error messages.
/// </param>
public sealed record DaprSidecarConnection(Uri HttpEndpoint, string? ApiToken, string EndpointSource)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{HttpEndpoint} (from {EndpointSource}, API token {(ApiToken is null ? "not set" : "set")})";
}
