namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// Everything the sidecar runtime needs to start, independent of how it was given (daprd flags, or a
/// test building it directly). Defaults are daprd's.
/// </summary>
internal sealed record SidecarSettings
{
    public const long DefaultMaxBodySize = 4L << 20;

    public required string AppId { get; init; }

    /// <summary>The app port; null means no app channel (no subscriptions, no inbound calls).</summary>
    public int? AppPort { get; init; }

    public string AppChannelAddress { get; init; } = "127.0.0.1";

    /// <summary>Where the API listens. daprd's default is all interfaces; ours is loopback unless told otherwise.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>The Dapr HTTP API port; 0 picks a free port (tests).</summary>
    public int HttpPort { get; init; } = 3500;

    /// <summary>The Dapr gRPC API port (HTTP/2 cleartext); 0 picks a free port (tests).</summary>
    public int GrpcPort { get; init; }

    /// <summary><c>--app-protocol</c>: <c>http</c> or <c>grpc</c> (the app serves daprd's AppCallback services).</summary>
    public string AppProtocol { get; init; } = "http";

    /// <summary>True when the app is reached over gRPC (<c>--app-protocol grpc</c>).</summary>
    public bool AppUsesGrpc => AppProtocol == "grpc";

    /// <summary>The sidecar-to-sidecar port; 0 picks a free port.</summary>
    public int InternalPort { get; init; }

    public IReadOnlyList<string> ResourcesPaths { get; init; } = [];

    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary>DAPR_API_TOKEN: required on API calls when set.</summary>
    public string? ApiToken { get; init; }

    /// <summary>APP_API_TOKEN: sent to the app when set.</summary>
    public string? AppApiToken { get; init; }

    /// <summary>
    /// The run's shared secret for the internal channel (<c>BIODAPR_SIDECAR_SECRET</c>; see
    /// <see cref="Security.PeerAuthenticator"/>). Null: the channel is open and callers carry no identity.
    /// </summary>
    public string? InternalSecret { get; init; }

    public bool EnableAppHealthCheck { get; init; }

    public string AppHealthCheckPath { get; init; } = "/healthz";

    public TimeSpan AppHealthProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan AppHealthProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public int AppHealthThreshold { get; init; } = 3;

    public int AppMaxConcurrency { get; init; } = -1;

    public long MaxBodySize { get; init; } = DefaultMaxBodySize;

    /// <summary>Init endpoints not to call (<c>config</c>, <c>subscribe</c>).</summary>
    public IReadOnlySet<string> DisabledInitEndpoints { get; init; } = new HashSet<string>();

    public TimeSpan GracefulShutdown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The NAMESPACE environment variable (empty in standalone mode).</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The name-resolution directory shared by the sidecars of the machine.</summary>
    public required string NameResolutionDirectory { get; init; }

    /// <summary>
    /// The replica this sidecar serves when the runner starts several of one app (<c>BIODAPR_REPLICA</c>);
    /// null for a single sidecar (its name-resolution instance is then its process id).
    /// </summary>
    public string? Replica { get; init; }

    /// <summary>
    /// How long a stopping sidecar keeps answering after it left name resolution (<c>BIODAPR_DRAIN_DELAY_MS</c>;
    /// zero by default), so callers that resolved it just before still reach it, as a load balancer's
    /// deregistration delay does. Set by the runner for replicated apps.
    /// </summary>
    public TimeSpan DrainDelay { get; init; }

    /// <summary>Placement address given with --placement-host-address (actors); null when absent.</summary>
    public string? PlacementHostAddress { get; init; }

    /// <summary>The environment the sidecar reads (envRef, secret stores, configuration expansion).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The directory relative component paths resolve against (daprd's working directory).</summary>
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;
}
