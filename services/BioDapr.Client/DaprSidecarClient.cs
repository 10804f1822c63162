using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BioDapr.Client;

/// <summary>
/// The <see cref="IDaprSidecarClient"/> implementation over HTTP. Register it with
/// <see cref="DaprSidecarClientServiceCollectionExtensions.AddDaprSidecarClient"/>; outside dependency
/// injection, give it an <see cref="HttpClient"/> whose pipeline contains a <see cref="DaprApiTokenHandler"/>
/// when the sidecar needs a token.
/// </summary>
public sealed partial class DaprSidecarClient : IDaprSidecarClient
{
    /// <summary>The <see cref="IHttpClientFactory"/> client name the typed client is registered under.</summary>
    public const string HttpClientName = "BioDapr.DaprSidecar";

    private readonly DaprHttpTransport _transport;
    private readonly JsonSerializerOptions _json;
    private readonly TimeSpan _startupTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the client for dependency injection.</summary>
    [ActivatorUtilitiesConstructor]
    public DaprSidecarClient(
        HttpClient httpClient,
        DaprSidecarConnection connection,
        IOptions<DaprSidecarOptions> options,
        TimeProvider timeProvider,
        ILogger<DaprSidecarClient> logger)
        : this(httpClient, connection, options?.Value, timeProvider, logger)
    {
    }

    /// <summary>Creates the client.</summary>
    /// <param name="httpClient">The HTTP client; its base address is not used, requests carry absolute URIs.</param>
    /// <param name="connection">The sidecar address (see <see cref="DaprSidecarConnectionResolver"/>).</param>
    /// <param name="options">Serializer options and startup timeout; defaults when null.</param>
    /// <param name="timeProvider">The clock for <see cref="WaitForSidecarAsync"/>; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    public DaprSidecarClient(
        HttpClient httpClient,
        DaprSidecarConnection connection,
        DaprSidecarOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<DaprSidecarClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new DaprSidecarOptions();
        _transport = new DaprHttpTransport(httpClient, connection);
        _json = options.JsonSerializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _startupTimeout = options.StartupTimeout;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public DaprSidecarConnection Connection => _transport.Connection;

    private static IReadOnlyDictionary<string, string> Empty { get; } = new Dictionary<string, string>();
}
