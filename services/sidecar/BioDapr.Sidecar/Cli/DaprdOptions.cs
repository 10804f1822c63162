namespace BioDapr.Sidecar.Cli;

/// <summary>
/// The daprd command line after parsing, with daprd's defaults and daprd's normalisation applied
/// (for example a non-positive health probe interval becomes the 5 s default). Build it with
/// <see cref="DaprdCommandLine.Parse"/>.
/// </summary>
internal sealed record DaprdOptions
{
    /// <summary>Default HTTP API port.</summary>
    public const int DefaultDaprHttpPort = 3500;

    /// <summary>Default gRPC API port.</summary>
    public const int DefaultDaprGrpcPort = 50001;

    /// <summary>Default profiling port.</summary>
    public const int DefaultProfilePort = 7777;

    /// <summary>Default metrics port.</summary>
    public const int DefaultMetricsPort = 9090;

    /// <summary>Default request body limit: 4 MiB.</summary>
    public const long DefaultMaxBodySize = 4L << 20;

    /// <summary>Default read buffer: 4 KiB.</summary>
    public const long DefaultReadBufferSize = 4L << 10;

    /// <summary>Default app health check path.</summary>
    public const string DefaultAppHealthCheckPath = "/healthz";

    /// <summary>Default app channel address.</summary>
    public const string DefaultAppChannelAddress = "127.0.0.1";

    /// <summary>Default app health probe interval.</summary>
    public static readonly TimeSpan DefaultAppHealthProbeInterval = TimeSpan.FromSeconds(5);

    /// <summary>Default app health probe timeout.</summary>
    public static readonly TimeSpan DefaultAppHealthProbeTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>Default number of failed probes before the app counts as unhealthy.</summary>
    public const int DefaultAppHealthThreshold = 3;

    /// <summary>Default graceful shutdown time.</summary>
    public static readonly TimeSpan DefaultGracefulShutdown = TimeSpan.FromSeconds(5);

    /// <summary>Default hot-reload backup reconcile period.</summary>
    public static readonly TimeSpan DefaultHotReloadReconcileInterval = TimeSpan.FromSeconds(60);

    /// <summary>Default actor placement dissemination timeout.</summary>
    public static readonly TimeSpan DefaultActorsDisseminateTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default timeout of the input-binding discovery call to the app.</summary>
    public static readonly TimeSpan DefaultAppBindingOptionsTimeout = TimeSpan.FromSeconds(3);

    /// <summary><c>--help</c> or <c>-h</c> was given; nothing else was validated.</summary>
    public bool HelpRequested { get; init; }

    /// <summary><c>--version</c> was given; nothing else was validated.</summary>
    public bool VersionRequested { get; init; }

    /// <summary><c>--build-info</c> was given; nothing else was validated.</summary>
    public bool BuildInfoRequested { get; init; }

    /// <summary><c>--app-id</c>: required, without dots (standalone mode).</summary>
    public string AppId { get; init; } = "";

    /// <summary><c>--app-port</c>; null (flag absent, empty or 0) means no app channel.</summary>
    public int? AppPort { get; init; }

    /// <summary><c>--app-protocol</c>, lower-cased. The development sidecar accepts <c>http</c> and <c>grpc</c>.</summary>
    public string AppProtocol { get; init; } = "http";

    /// <summary><c>--app-channel-address</c>.</summary>
    public string AppChannelAddress { get; init; } = DefaultAppChannelAddress;

    /// <summary><c>--dapr-http-port</c>.</summary>
    public int DaprHttpPort { get; init; } = DefaultDaprHttpPort;

    /// <summary><c>--dapr-grpc-port</c>. The Dapr gRPC API listens there (HTTP/2 without TLS).</summary>
    public int DaprGrpcPort { get; init; } = DefaultDaprGrpcPort;

    /// <summary>
    /// <c>--dapr-internal-grpc-port</c>; null (absent, empty or 0) means daprd's default: a port derived
    /// from the app id, searching upwards from 47300.
    /// </summary>
    public int? DaprInternalGrpcPort { get; init; }

    /// <summary><c>--dapr-internal-grpc-listen-address</c>; null means daprd's default.</summary>
    public string? DaprInternalGrpcListenAddress { get; init; }

    /// <summary>
    /// <c>--dapr-listen-addresses</c>, split on commas exactly as daprd does: the default is one empty
    /// host, which listens on every interface.
    /// </summary>
    public IReadOnlyList<string> DaprListenAddresses { get; init; } = [""];

    /// <summary><c>--dapr-public-port</c>; null means no public health/metadata listener.</summary>
    public int? DaprPublicPort { get; init; }

    /// <summary><c>--dapr-public-listen-address</c>.</summary>
    public string? DaprPublicListenAddress { get; init; }

    /// <summary>
    /// <c>--resources-path</c> (repeatable, comma lists allowed), or the deprecated <c>--components-path</c>
    /// when no resources path was given. Empty means nothing is loaded.
    /// </summary>
    public IReadOnlyList<string> ResourcesPaths { get; init; } = [];

    /// <summary><c>--config</c> files (repeatable, merged in order).</summary>
    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary><c>--log-level</c>, lower-cased: debug, info, warn, error or fatal.</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary><c>--log-as-json</c>.</summary>
    public bool LogAsJson { get; init; }

    /// <summary><c>--log-file</c>; null means standard output.</summary>
    public string? LogFile { get; init; }

    /// <summary><c>--enable-app-health-check</c>.</summary>
    public bool EnableAppHealthCheck { get; init; }

    /// <summary><c>--app-health-check-path</c>.</summary>
    public string AppHealthCheckPath { get; init; } = DefaultAppHealthCheckPath;

    /// <summary><c>--app-health-probe-interval</c> (seconds on the command line).</summary>
    public TimeSpan AppHealthProbeInterval { get; init; } = DefaultAppHealthProbeInterval;

    /// <summary><c>--app-health-probe-timeout</c> (milliseconds on the command line).</summary>
    public TimeSpan AppHealthProbeTimeout { get; init; } = DefaultAppHealthProbeTimeout;

    /// <summary><c>--app-health-threshold</c>.</summary>
    public int AppHealthThreshold { get; init; } = DefaultAppHealthThreshold;

    /// <summary><c>--app-max-concurrency</c>; -1 means unlimited.</summary>
    public int AppMaxConcurrency { get; init; } = -1;

    /// <summary>
    /// <c>--max-body-size</c> in bytes (or the deprecated <c>--dapr-http-max-request-size</c> in MiB);
    /// -1 on the command line means the 4 MiB default.
    /// </summary>
    public long MaxBodySize { get; init; } = DefaultMaxBodySize;

    /// <summary><c>--read-buffer-size</c> in bytes (or the deprecated <c>--dapr-http-read-buffer-size</c> in KiB).</summary>
    public long ReadBufferSize { get; init; } = DefaultReadBufferSize;

    /// <summary><c>--dapr-graceful-shutdown-seconds</c>; a negative value means the 5 s default.</summary>
    public TimeSpan GracefulShutdownDuration { get; init; } = DefaultGracefulShutdown;

    /// <summary><c>--dapr-block-shutdown-duration</c>; null when the flag is absent (no blocking).</summary>
    public TimeSpan? BlockShutdownDuration { get; init; }

    /// <summary><c>--enable-api-logging</c>; null when absent, so the Configuration's <c>logging.apiLogging</c> decides.</summary>
    public bool? EnableApiLogging { get; init; }

    /// <summary><c>--enable-metrics</c>.</summary>
    public bool EnableMetrics { get; init; } = true;

    /// <summary><c>--metrics-port</c>.</summary>
    public int MetricsPort { get; init; } = DefaultMetricsPort;

    /// <summary><c>--metrics-listen-address</c>.</summary>
    public string MetricsListenAddress { get; init; } = "0.0.0.0";

    /// <summary><c>--placement-host-address</c>; null when absent (no actor placement).</summary>
    public string? PlacementHostAddress { get; init; }

    /// <summary><c>--scheduler-host-address</c> (comma list, repeatable).</summary>
    public IReadOnlyList<string> SchedulerHostAddresses { get; init; } = [];

    /// <summary><c>--scheduler-job-streams</c>.</summary>
    public uint SchedulerJobStreams { get; init; } = 3;

    /// <summary><c>--actors-disseminate-timeout</c>.</summary>
    public TimeSpan ActorsDisseminateTimeout { get; init; } = DefaultActorsDisseminateTimeout;

    /// <summary><c>--enable-mtls</c>; always false here because the development sidecar refuses true.</summary>
    public bool EnableMtls { get; init; }

    /// <summary><c>--sentry-address</c> (accepted and unused).</summary>
    public string? SentryAddress { get; init; }

    /// <summary><c>--control-plane-address</c> (accepted and unused).</summary>
    public string? ControlPlaneAddress { get; init; }

    /// <summary><c>--control-plane-trust-domain</c>.</summary>
    public string ControlPlaneTrustDomain { get; init; } = "localhost";

    /// <summary><c>--control-plane-namespace</c>.</summary>
    public string ControlPlaneNamespace { get; init; } = "default";

    /// <summary><c>--allowed-origins</c> for CORS; empty means CORS is off.</summary>
    public string AllowedOrigins { get; init; } = "";

    /// <summary><c>--disable-init-endpoints</c>, lower-cased: <c>config</c> and/or <c>subscribe</c>.</summary>
    public IReadOnlyList<string> DisableInitEndpoints { get; init; } = [];

    /// <summary><c>--mode</c>; always <c>standalone</c> here.</summary>
    public string Mode { get; init; } = "standalone";

    /// <summary><c>--enable-profiling</c>.</summary>
    public bool EnableProfiling { get; init; }

    /// <summary><c>--profile-port</c>.</summary>
    public int ProfilePort { get; init; } = DefaultProfilePort;

    /// <summary><c>--wait</c>: wait for outbound readiness (used by the Dapr CLI's run).</summary>
    public bool Wait { get; init; }

    /// <summary><c>--hot-reload-reconcile-interval</c>; zero or negative on the command line means 60 s.</summary>
    public TimeSpan HotReloadReconcileInterval { get; init; } = DefaultHotReloadReconcileInterval;

    /// <summary><c>--app-binding-options-timeout</c>; non-positive on the command line means 3 s.</summary>
    public TimeSpan AppBindingOptionsTimeout { get; init; } = DefaultAppBindingOptionsTimeout;

    /// <summary>The <c>DAPR_API_TOKEN</c> environment variable; null when unset or empty.</summary>
    public string? ApiToken { get; init; }

    /// <summary>The run's internal-channel secret (<c>BIODAPR_SIDECAR_SECRET</c>); null when unset or empty.</summary>
    public string? InternalSecret { get; init; }

    /// <summary>The <c>APP_API_TOKEN</c> environment variable; null when unset or empty.</summary>
    public string? AppApiToken { get; init; }

    /// <summary>Deprecation and no-effect notices to log at startup (never secrets).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when the app's subscriptions must not be requested (<c>--disable-init-endpoints subscribe</c>).</summary>
    public bool SubscribeEndpointDisabled => DisableInitEndpoints.Contains("subscribe");

    /// <summary>True when the app's actor configuration must not be requested (<c>--disable-init-endpoints config</c>).</summary>
    public bool ConfigEndpointDisabled => DisableInitEndpoints.Contains("config");

    /// <summary>The parsed options must not print tokens; this keeps them out of logs and test output.</summary>
    public override string ToString() =>
        $"DaprdOptions {{ AppId = {AppId}, AppPort = {AppPort}, DaprHttpPort = {DaprHttpPort}, ResourcesPaths = [{string.Join(", ", ResourcesPaths)}], ConfigFiles = [{string.Join(", ", ConfigFiles)}], ApiToken = {(ApiToken is null ? "unset" : "set")}, AppApiToken = {(AppApiToken is null ? "unset" : "set")} }}";
}
