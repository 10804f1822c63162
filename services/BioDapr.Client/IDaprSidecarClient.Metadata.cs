namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>Reads what the sidecar runs (<c>GET /v1.0/metadata</c>).</summary>
    Task<DaprMetadata> GetMetadataAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets an extended metadata attribute (<c>PUT /v1.0/metadata/{key}</c>, the value as the raw body).</summary>
    Task SetMetadataAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>
    /// True when the sidecar is fully initialised (<c>GET /v1.0/healthz</c> answers 2xx). False on any other
    /// status or when the sidecar cannot be reached.
    /// </summary>
    Task<bool> CheckHealthAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// True when the sidecar's API is usable (<c>GET /v1.0/healthz/outbound</c> answers 2xx), which happens
    /// before the app is up. False on any other status or when the sidecar cannot be reached.
    /// </summary>
    Task<bool> CheckOutboundHealthAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Polls <c>GET /v1.0/healthz/outbound</c> until it succeeds. Throws
    /// <see cref="DaprSidecarUnavailableException"/> naming the endpoint, the time waited and the last
    /// error when <paramref name="timeout"/> (default <see cref="DaprSidecarOptions.StartupTimeout"/>) passes.
    /// </summary>
    Task WaitForSidecarAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Asks the sidecar to shut down gracefully (<c>POST /v1.0/shutdown</c>).</summary>
    Task ShutdownAsync(CancellationToken cancellationToken = default);
}
