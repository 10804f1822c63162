using System.Globalization;

namespace BioDapr.Client;

/// <summary>
/// The one place that decides which sidecar address and API token a process uses.
/// <list type="number">
/// <item>Address: <see cref="DaprSidecarOptions.HttpEndpoint"/> (configuration <c>Dapr:HttpEndpoint</c>),
/// then <c>DAPR_HTTP_ENDPOINT</c>, then <c>DAPR_HTTP_PORT</c> (as <c>http://127.0.0.1:&lt;port&gt;</c>),
/// then <c>http://127.0.0.1:3500</c>.</item>
/// <item>Token: <see cref="DaprSidecarOptions.ApiToken"/> (configuration <c>Dapr:ApiToken</c>), then
/// <c>DAPR_API_TOKEN</c>; empty values count as unset.</item>
/// </list>
/// </summary>
public static class DaprSidecarConnectionResolver
{
    /// <summary>Environment variable with the sidecar's full HTTP address.</summary>
    public const string HttpEndpointVariable = "DAPR_HTTP_ENDPOINT";

    /// <summary>Environment variable with the sidecar's HTTP port on loopback.</summary>
    public const string HttpPortVariable = "DAPR_HTTP_PORT";

    /// <summary>Environment variable with the sidecar's API token.</summary>
    public const string ApiTokenVariable = "DAPR_API_TOKEN";

    /// <summary>Configuration key of <see cref="DaprSidecarOptions.HttpEndpoint"/>.</summary>
    public const string HttpEndpointKey = DaprSidecarOptions.SectionName + ":" + nameof(DaprSidecarOptions.HttpEndpoint);

    /// <summary>Configuration key of <see cref="DaprSidecarOptions.ApiToken"/>.</summary>
    public const string ApiTokenKey = DaprSidecarOptions.SectionName + ":" + nameof(DaprSidecarOptions.ApiToken);

    /// <summary>The address used when nothing is configured (daprd's default HTTP port).</summary>
    public const string DefaultHttpEndpoint = "http://127.0.0.1:3500";

    /// <summary>Resolves the connection from <paramref name="options"/> and the process environment.</summary>
    /// <exception cref="DaprSidecarConfigurationException">An address or port value is invalid.</exception>
    public static DaprSidecarConnection Resolve(DaprSidecarOptions options) =>
        Resolve(options, Environment.GetEnvironmentVariable);

    /// <summary>Resolves the connection from <paramref name="options"/> and the given environment.</summary>
    /// <param name="options">The configured options.</param>
    /// <param name="getEnvironmentVariable">Reads one environment variable (null when unset).</param>
    /// <exception cref="DaprSidecarConfigurationException">An address or port value is invalid.</exception>
    public static DaprSidecarConnection Resolve(DaprSidecarOptions options, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);

        var token = NullIfEmpty(options.ApiToken) ?? NullIfEmpty(getEnvironmentVariable(ApiTokenVariable));

        if (NullIfBlank(options.HttpEndpoint) is { } configured)
        {
            return new DaprSidecarConnection(ParseEndpoint(HttpEndpointKey, configured), token, HttpEndpointKey);
        }

        if (NullIfBlank(getEnvironmentVariable(HttpEndpointVariable)) is { } endpoint)
        {
            return new DaprSidecarConnection(ParseEndpoint(HttpEndpointVariable, endpoint), token, HttpEndpointVariable);
        }

        if (NullIfBlank(getEnvironmentVariable(HttpPortVariable)) is { } portText)
        {
            var port = ParsePort(HttpPortVariable, portText);
            return new DaprSidecarConnection(
                new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), token, HttpPortVariable);
        }

        return new DaprSidecarConnection(new Uri(DefaultHttpEndpoint + "/"), token, "default");
    }

    private static Uri ParseEndpoint(string settingName, string value)
    {
        var trimmed = value.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new DaprSidecarConfigurationException(
                settingName, value, "expected an absolute http:// or https:// URL such as http://127.0.0.1:3500");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new DaprSidecarConfigurationException(settingName, value, "the URL must not have a query or fragment");
        }

        // Relative API paths are appended to the endpoint, which only works when its path ends with '/'.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    private static int ParsePort(string settingName, string value)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new DaprSidecarConfigurationException(settingName, value, "expected a TCP port number between 1 and 65535");
        }

        return port;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
