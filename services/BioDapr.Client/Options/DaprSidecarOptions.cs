using System.Text.Json;

namespace BioDapr.Client;

/// <summary>
/// Settings of the sidecar client, bound from the <c>Dapr</c> configuration section. Values left
/// unset fall back to the environment the Dapr CLI (or the BioDapr runner) gives an app; see
/// <see cref="DaprSidecarConnectionResolver"/> for the exact order.
/// </summary>
public sealed class DaprSidecarOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Dapr";

    /// <summary>Default of <see cref="StartupTimeout"/>, in seconds.</summary>
    public const int DefaultStartupTimeoutSeconds = 60;

    /// <summary>
    /// The sidecar's HTTP API address, for example <c>http://127.0.0.1:3500</c> (configuration key
    /// <c>Dapr:HttpEndpoint</c>). When unset, <c>DAPR_HTTP_ENDPOINT</c>, then <c>DAPR_HTTP_PORT</c>, then
    /// <c>http://127.0.0.1:3500</c> are used.
    /// </summary>
    public string? HttpEndpoint { get; set; }

    /// <summary>
    /// The sidecar's API token (configuration key <c>Dapr:ApiToken</c>), sent as the <c>dapr-api-token</c>
    /// header. When unset, <c>DAPR_API_TOKEN</c> is used; when that is unset too, no header is sent.
    /// </summary>
    public string? ApiToken { get; set; }

    /// <summary>
    /// How long <see cref="IDaprSidecarClient.WaitForSidecarAsync"/> waits for the sidecar by default
    /// (configuration key <c>Dapr:StartupTimeout</c>). Default <see cref="DefaultStartupTimeoutSeconds"/> seconds.
    /// </summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(DefaultStartupTimeoutSeconds);

    /// <summary>
    /// How application payloads (published events, state values, invocation bodies) are serialized.
    /// Default: <see cref="JsonSerializerDefaults.Web"/> (camelCase, case-insensitive reads).
    /// Dapr's own protocol bodies do not depend on this setting.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
