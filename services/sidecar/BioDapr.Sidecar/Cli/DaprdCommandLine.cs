using System.Collections.Frozen;
using System.Text;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Cli;

/// <summary>
/// Parses daprd's command line. daprd uses the pflag library but first turns every single-dash
/// argument longer than two characters into a double-dash one, so <c>-app-id x</c>, <c>--app-id x</c>,
/// <c>--app-id=x</c> and <c>-app-id=x</c> all work. Boolean flags take <c>--flag</c> or
/// <c>--flag=true|false</c>; a separate <c>--flag false</c> is not a value in pflag, so a stray
/// positional argument is reported instead of silently ignored as daprd would. List flags accept
/// comma lists and may be repeated. <c>--help</c>/<c>-h</c> and <c>--version</c> stop validation.
/// </summary>
internal static class DaprdCommandLine
{
    /// <summary>The daprd version this sidecar follows; printed by <c>--version</c>.</summary>
    public const string CompatibleDaprVersion = "1.18.3";

    private const string MtlsUnsupported = "the development sidecar does not secure sidecar-to-sidecar traffic with mTLS";

    private static readonly string[] LogLevels = ["debug", "info", "warn", "error", "fatal"];
    private static readonly string[] UnsupportedProtocols = ["https", "grpcs", "h2c"];

    /// <summary>Every flag daprd defines (v1.18), in alphabetical order as in daprd's help.</summary>
    public static IReadOnlyList<DaprdFlag> Flags { get; } =
    [
        new("actors-disseminate-timeout", DaprdFlagKind.Duration, "30s", "How long a placement dissemination round may take before hosted actors are halted"),
        new("actors-service", DaprdFlagKind.String, "", "No longer has any effect", Deprecation: "flag no longer has any effect", Hidden: true),
        new("allowed-origins", DaprdFlagKind.String, "", "Allowed HTTP origins for CORS; empty turns CORS off"),
        new("app-binding-options-timeout", DaprdFlagKind.Duration, "3s", "Timeout of the input-binding discovery call to the app"),
        new("app-channel-address", DaprdFlagKind.String, DaprdOptions.DefaultAppChannelAddress, "The network address the app listens on"),
        new("app-health-check-path", DaprdFlagKind.String, DaprdOptions.DefaultAppHealthCheckPath, "Path probed for app health (HTTP only)"),
        new("app-health-probe-interval", DaprdFlagKind.Int, "5", "Seconds between app health probes"),
        new("app-health-probe-timeout", DaprdFlagKind.Int, "500", "Timeout of one app health probe, in milliseconds"),
        new("app-health-threshold", DaprdFlagKind.Int, "3", "Consecutive failed probes before the app counts as unhealthy"),
        new("app-id", DaprdFlagKind.String, "", "The app id: names the app for invocation, state keys and pub/sub consumer groups"),
        new("app-max-concurrency", DaprdFlagKind.Int, "-1", "Maximum concurrent calls into the app; -1 for no limit"),
        new("app-port", DaprdFlagKind.String, "", "The port the app listens on; without it the sidecar has no app channel"),
        new("app-protocol", DaprdFlagKind.String, "http", "Protocol of the app channel (the development sidecar supports http and grpc)"),
        new("app-ssl", DaprdFlagKind.Bool, "false", "Use TLS to reach the app", Deprecation: "use '--app-protocol https|grpcs'"),
        new("build-info", DaprdFlagKind.Bool, "false", "Print build information and exit"),
        new("components-path", DaprdFlagKind.String, "", "Alias for --resources-path", Deprecation: "use --resources-path"),
        new("config", DaprdFlagKind.StringList, "", "Path to a Configuration file; may be repeated, later files override earlier ones"),
        new("control-plane-address", DaprdFlagKind.String, "", "Address of a Dapr control plane (unused in standalone mode)"),
        new("control-plane-namespace", DaprdFlagKind.String, "default", "Namespace of the Dapr control plane"),
        new("control-plane-trust-domain", DaprdFlagKind.String, "localhost", "Trust domain of the Dapr control plane"),
        new("dapr-block-shutdown-duration", DaprdFlagKind.Duration, "", "After a stop signal, wait up to this long (or until the app is unhealthy) before shutting down"),
        new("dapr-graceful-shutdown-seconds", DaprdFlagKind.Int, "5", "Seconds allowed for a graceful shutdown"),
        new("dapr-grpc-port", DaprdFlagKind.String, "50001", "Port of the gRPC API (HTTP/2 without TLS)"),
        new("dapr-http-max-request-size", DaprdFlagKind.Int, "4", "Maximum request body in MiB", Deprecation: "use '--max-body-size 4Mi'"),
        new("dapr-http-port", DaprdFlagKind.String, "3500", "Port of the HTTP API"),
        new("dapr-http-read-buffer-size", DaprdFlagKind.Int, "4", "Read buffer size in KiB", Deprecation: "use '--read-buffer-size 4Ki'"),
        new("dapr-internal-grpc-listen-address", DaprdFlagKind.String, "", "Listen address of the sidecar-to-sidecar endpoint"),
        new("dapr-internal-grpc-port", DaprdFlagKind.String, "", "Port of the sidecar-to-sidecar endpoint; by default one derived from the app id"),
        new("dapr-listen-addresses", DaprdFlagKind.String, "", "Comma-separated addresses the API listens on; empty means every interface"),
        new("dapr-public-listen-address", DaprdFlagKind.String, "", "Listen address of the public health and metadata endpoint"),
        new("dapr-public-port", DaprdFlagKind.String, "", "Port of a public endpoint serving only health and metadata, without the API token"),
        new("disable-builtin-k8s-secret-store", DaprdFlagKind.Bool, "false", "Disable the built-in Kubernetes secret store (no effect in standalone mode)"),
        new("disable-init-endpoints", DaprdFlagKind.StringList, "", "App endpoints not to call at startup: config, subscribe"),
        new("enable-api-logging", DaprdFlagKind.Bool, "false", "Log every API call"),
        new("enable-app-health-check", DaprdFlagKind.Bool, "false", "Probe the app's health and pause deliveries while it is unhealthy"),
        new("enable-metrics", DaprdFlagKind.Bool, "true", "Serve Prometheus metrics"),
        new("enable-mtls", DaprdFlagKind.Bool, "false", "Secure sidecar-to-sidecar traffic with mTLS (not supported by the development sidecar)"),
        new("enable-profiling", DaprdFlagKind.Bool, "false", "Serve the profiling endpoint"),
        new("hot-reload-reconcile-interval", DaprdFlagKind.Duration, "60s", "Period of the backup reconcile of watched resources; 0 means 60s"),
        new("log-as-json", DaprdFlagKind.Bool, "false", "Write logs as JSON"),
        new("log-file", DaprdFlagKind.String, "", "Write logs to this file instead of standard output"),
        new("log-level", DaprdFlagKind.String, "info", "Log level: debug, info, warn, error or fatal"),
        new("max-body-size", DaprdFlagKind.String, "4Mi", "Maximum request body, as a resource quantity (4Mi, 4M, 4194304)"),
        new("metrics-listen-address", DaprdFlagKind.String, "0.0.0.0", "Listen address of the metrics endpoint"),
        new("metrics-port", DaprdFlagKind.String, "9090", "Port of the metrics endpoint"),
        new("mode", DaprdFlagKind.String, "standalone", "Runtime mode (the development sidecar supports standalone)"),
        new("placement-host-address", DaprdFlagKind.String, "", "Addresses of the actor placement service"),
        new("profile-port", DaprdFlagKind.String, "7777", "Port of the profiling endpoint"),
        new("read-buffer-size", DaprdFlagKind.String, "4Ki", "Read buffer size (also limits request headers), as a resource quantity"),
        new("reminders-service", DaprdFlagKind.String, "", "No longer has any effect", Deprecation: "flag no longer has any effect", Hidden: true),
        new("resources-path", DaprdFlagKind.StringList, "", "Directory of resource YAML files; may be repeated. Without it nothing is loaded"),
        new("scheduler-host-address", DaprdFlagKind.StringList, "", "Comma-separated host:port addresses of the scheduler service"),
        new("scheduler-job-streams", DaprdFlagKind.Uint, "3", "Number of job streams to the scheduler service"),
        new("sentry-address", DaprdFlagKind.String, "", "Address of the Sentry certificate authority"),
        new("sentry-request-jwt-audiences", DaprdFlagKind.StringList, "", "JWT audiences for certificate signing requests"),
        new("unix-domain-socket", DaprdFlagKind.String, "", "Serve the API on Unix domain sockets in this directory (not supported by the development sidecar)"),
        new("version", DaprdFlagKind.Bool, "false", "Print the runtime version and exit"),
        new("wait", DaprdFlagKind.Bool, "false", "Wait until the sidecar is ready for outbound calls"),
    ];

    private static readonly FrozenDictionary<string, DaprdFlag> FlagsByName = Flags.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The text printed for <c>--version</c>: the daprd version this sidecar follows.</summary>
    public static string VersionText => CompatibleDaprVersion;

    /// <summary>The usage text printed for <c>--help</c>.</summary>
    public static string HelpText { get; } = BuildHelpText();

    /// <summary>
    /// Parses daprd's flags and reads <c>DAPR_API_TOKEN</c> and <c>APP_API_TOKEN</c> from the environment.
    /// </summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable (null when unset).</param>
    /// <returns>The options; check <see cref="DaprdOptions.HelpRequested"/> and <see cref="DaprdOptions.VersionRequested"/> first.</returns>
    /// <exception cref="CommandLineException">A flag is unknown, malformed, invalid or unsupported.</exception>
    public static DaprdOptions Parse(IReadOnlyList<string> args, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);

        var values = new FlagValues();
        if (!Scan(args, values))
        {
            return new DaprdOptions { HelpRequested = true };
        }

        if (values.GetBool("version", false))
        {
            return new DaprdOptions { VersionRequested = true };
        }

        if (values.GetBool("build-info", false))
        {
            return new DaprdOptions { BuildInfoRequested = true };
        }

        return Build(values, getEnvironmentVariable);
    }

    // Returns false when help was asked for.
    private static bool Scan(IReadOnlyList<string> args, FlagValues values)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i] ?? "";
            if (arg == "--")
            {
                if (i + 1 < args.Count)
                {
                    throw UnexpectedArgument(args[i + 1]);
                }

                break;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                throw UnexpectedArgument(arg);
            }

            string body;
            if (arg[1] == '-')
            {
                body = arg[2..];
            }
            else if (arg.Length > 2)
            {
                body = arg[1..];
            }
            else if (arg == "-h")
            {
                return false;
            }
            else
            {
                throw new CommandLineException($"unknown shorthand flag: '{arg[1]}' in {arg}");
            }

            if (body.Length == 0 || body[0] == '-' || body[0] == '=')
            {
                throw new CommandLineException($"bad flag syntax: {arg}");
            }

            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? body : body[..equals];
            string? value = equals < 0 ? null : body[(equals + 1)..];
            if (name == "help")
            {
                return false;
            }

            if (!FlagsByName.TryGetValue(name, out var flag))
            {
                throw new CommandLineException($"unknown flag: --{name}");
            }

            if (value is null)
            {
                if (flag.Kind == DaprdFlagKind.Bool)
                {
                    value = "true";
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i] ?? "";
                }
                else
                {
                    throw new CommandLineException($"flag needs an argument: --{name}");
                }
            }

            values.Set(flag, value);
        }

        return true;
    }

    private static DaprdOptions Build(FlagValues values, Func<string, string?> env)
    {
        var warnings = new List<string>(values.Warnings);

        var mode = values.GetString("mode", "standalone");
        if (mode == "kubernetes")
        {
            throw Invalid("mode", mode, "the development sidecar runs in standalone mode only");
        }

        if (mode != "standalone")
        {
            throw Invalid("mode", mode, "must be standalone or kubernetes");
        }

        var appId = values.GetString("app-id", "");
        if (appId.Length == 0)
        {
            throw new CommandLineException("flag --app-id is required: the app id cannot be empty");
        }

        if (appId.Contains('.', StringComparison.Ordinal))
        {
            throw Invalid("app-id", appId, "an app id cannot contain dots");
        }

        var protocol = values.GetString("app-protocol", "http").ToLowerInvariant();
        if (protocol.Length == 0)
        {
            protocol = "http";
        }

        if (UnsupportedProtocols.Contains(protocol))
        {
            throw Invalid("app-protocol", protocol, "the development sidecar talks to its app over plain HTTP or gRPC only (use http or grpc)");
        }

        if (protocol is not ("http" or "grpc"))
        {
            throw Invalid("app-protocol", protocol, "must be one of http, https, grpc, grpcs, h2c");
        }

        if (values.GetBool("app-ssl", false))
        {
            throw new CommandLineException("flag --app-ssl is not supported: the development sidecar talks to its app over plain HTTP only");
        }

        if (values.GetBool("enable-mtls", false))
        {
            throw new CommandLineException($"flag --enable-mtls=true is not supported: {MtlsUnsupported}");
        }

        var unixSocket = values.GetString("unix-domain-socket", "");
        if (unixSocket.Length > 0)
        {
            throw new CommandLineException("flag --unix-domain-socket is not supported: the development sidecar listens on TCP ports only");
        }

        var logLevel = values.GetString("log-level", "info").ToLowerInvariant();
        if (!LogLevels.Contains(logLevel))
        {
            throw Invalid("log-level", values.GetString("log-level", "info"), "must be one of debug, info, warn, error, fatal");
        }

        var httpPort = ParsePort(values, "dapr-http-port", DaprdOptions.DefaultDaprHttpPort)!.Value;
        var grpcPort = ParsePort(values, "dapr-grpc-port", DaprdOptions.DefaultDaprGrpcPort)!.Value;
        var appPort = ParsePort(values, "app-port", null);
        if (appPort == 0)
        {
            appPort = null;
        }

        if (appPort == httpPort)
        {
            throw new CommandLineException($"flag --app-port value {appPort} conflicts with --dapr-http-port");
        }

        if (appPort == grpcPort)
        {
            throw new CommandLineException($"flag --app-port value {appPort} conflicts with --dapr-grpc-port");
        }

        var internalPort = ParsePort(values, "dapr-internal-grpc-port", null);
        if (internalPort == 0)
        {
            internalPort = null;
        }

        var resourcesPaths = values.GetList("resources-path");
        if (resourcesPaths.Count == 0 && values.GetString("components-path", "") is { Length: > 0 } componentsPath)
        {
            resourcesPaths = [componentsPath];
        }

        var disableInit = new List<string>();
        foreach (var endpoint in values.GetList("disable-init-endpoints"))
        {
            var normalized = endpoint.Trim().ToLowerInvariant();
            if (normalized.Length == 0)
            {
                continue;
            }

            if (normalized is not ("config" or "subscribe"))
            {
                throw Invalid("disable-init-endpoints", endpoint, "allowed values are config and subscribe");
            }

            disableInit.Add(normalized);
        }

        var probeIntervalSeconds = values.GetInt("app-health-probe-interval", 5);
        var probeInterval = probeIntervalSeconds <= 0 ? DaprdOptions.DefaultAppHealthProbeInterval : TimeSpan.FromSeconds(probeIntervalSeconds);
        var probeTimeoutMs = values.GetInt("app-health-probe-timeout", 500);
        var probeTimeout = probeTimeoutMs <= 0 ? DaprdOptions.DefaultAppHealthProbeTimeout : TimeSpan.FromMilliseconds(probeTimeoutMs);
        if (probeTimeout > probeInterval)
        {
            throw new CommandLineException("flag --app-health-probe-timeout must be smaller than --app-health-probe-interval");
        }

        var threshold = values.GetInt("app-health-threshold", DaprdOptions.DefaultAppHealthThreshold);
        if (threshold < 1)
        {
            threshold = DaprdOptions.DefaultAppHealthThreshold;
        }

        var gracefulSeconds = values.GetInt("dapr-graceful-shutdown-seconds", 5);
        var disseminate = values.GetDuration("actors-disseminate-timeout", DaprdOptions.DefaultActorsDisseminateTimeout);
        if (disseminate <= TimeSpan.Zero)
        {
            throw Invalid("actors-disseminate-timeout", values.GetRaw("actors-disseminate-timeout")!, "must be positive");
        }

        var reconcile = values.GetDuration("hot-reload-reconcile-interval", TimeSpan.Zero);
        var bindingTimeout = values.GetDuration("app-binding-options-timeout", DaprdOptions.DefaultAppBindingOptionsTimeout);

        return new DaprdOptions
        {
            AppId = appId,
            AppPort = appPort,
            AppProtocol = protocol,
            AppChannelAddress = values.GetString("app-channel-address", DaprdOptions.DefaultAppChannelAddress),
            DaprHttpPort = httpPort,
            DaprGrpcPort = grpcPort,
            DaprInternalGrpcPort = internalPort,
            DaprInternalGrpcListenAddress = NullIfEmpty(values.GetString("dapr-internal-grpc-listen-address", "")),
            DaprListenAddresses = values.GetString("dapr-listen-addresses", "").Split(','),
            DaprPublicPort = ParsePort(values, "dapr-public-port", null),
            DaprPublicListenAddress = NullIfEmpty(values.GetString("dapr-public-listen-address", "")),
            ResourcesPaths = resourcesPaths,
            ConfigFiles = values.GetList("config"),
            LogLevel = logLevel,
            LogAsJson = values.GetBool("log-as-json", false),
            LogFile = NullIfEmpty(values.GetString("log-file", "")),
            EnableAppHealthCheck = values.GetBool("enable-app-health-check", false),
            AppHealthCheckPath = values.GetString("app-health-check-path", DaprdOptions.DefaultAppHealthCheckPath),
            AppHealthProbeInterval = probeInterval,
            AppHealthProbeTimeout = probeTimeout,
            AppHealthThreshold = threshold,
            AppMaxConcurrency = values.GetInt("app-max-concurrency", -1),
            MaxBodySize = ParseByteSize(values, "max-body-size", "dapr-http-max-request-size", 20, DaprdOptions.DefaultMaxBodySize),
            ReadBufferSize = ParseByteSize(values, "read-buffer-size", "dapr-http-read-buffer-size", 10, DaprdOptions.DefaultReadBufferSize),
            GracefulShutdownDuration = gracefulSeconds < 0 ? DaprdOptions.DefaultGracefulShutdown : TimeSpan.FromSeconds(gracefulSeconds),
            BlockShutdownDuration = values.IsSet("dapr-block-shutdown-duration") ? values.GetDuration("dapr-block-shutdown-duration", TimeSpan.Zero) : null,
            EnableApiLogging = values.IsSet("enable-api-logging") ? values.GetBool("enable-api-logging", false) : null,
            EnableMetrics = values.GetBool("enable-metrics", true),
            MetricsPort = ParsePort(values, "metrics-port", DaprdOptions.DefaultMetricsPort)!.Value,
            MetricsListenAddress = values.GetString("metrics-listen-address", "0.0.0.0"),
            PlacementHostAddress = NullIfEmpty(values.GetString("placement-host-address", "")),
            SchedulerHostAddresses = values.GetList("scheduler-host-address"),
            SchedulerJobStreams = values.GetUInt("scheduler-job-streams", 3) is var streams && streams <= uint.MaxValue
                ? (uint)streams
                : throw Invalid("scheduler-job-streams", values.GetRaw("scheduler-job-streams")!, "out of range"),
            ActorsDisseminateTimeout = disseminate,
            EnableMtls = false,
            SentryAddress = NullIfEmpty(values.GetString("sentry-address", "")),
            ControlPlaneAddress = NullIfEmpty(values.GetString("control-plane-address", "")),
            ControlPlaneTrustDomain = values.GetString("control-plane-trust-domain", "localhost"),
            ControlPlaneNamespace = values.GetString("control-plane-namespace", "default"),
            AllowedOrigins = values.GetString("allowed-origins", ""),
            DisableInitEndpoints = disableInit,
            Mode = mode,
            EnableProfiling = values.GetBool("enable-profiling", false),
            ProfilePort = ParsePort(values, "profile-port", DaprdOptions.DefaultProfilePort)!.Value,
            Wait = values.GetBool("wait", false),
            HotReloadReconcileInterval = reconcile <= TimeSpan.Zero ? DaprdOptions.DefaultHotReloadReconcileInterval : reconcile,
            AppBindingOptionsTimeout = bindingTimeout <= TimeSpan.Zero ? DaprdOptions.DefaultAppBindingOptionsTimeout : bindingTimeout,
            ApiToken = NullIfEmpty(env("DAPR_API_TOKEN")),
            AppApiToken = NullIfEmpty(env("APP_API_TOKEN")),
            InternalSecret = NullIfEmpty(env(Security.PeerAuthenticator.SecretVariable)),
            Warnings = warnings,
        };
    }

    private static int? ParsePort(FlagValues values, string name, int? defaultValue)
    {
        var text = values.GetRaw(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (text.Length == 0 && defaultValue is null)
        {
            return null;
        }

        if (!GoValueParser.TryParseDecimalInt(text, out var port))
        {
            throw Invalid(name, text, "not an integer");
        }

        if (port is < 0 or > 65535)
        {
            throw Invalid(name, text, "a port must be between 0 and 65535");
        }

        return (int)port;
    }

    private static long ParseByteSize(FlagValues values, string quantityFlag, string legacyFlag, int legacyShift, long defaultValue)
    {
        long size;
        if (values.GetRaw(quantityFlag) is { } quantity)
        {
            if (!GoValueParser.TryParseQuantity(quantity, out size, out var problem))
            {
                throw Invalid(quantityFlag, quantity, problem);
            }
        }
        else if (values.IsSet(legacyFlag))
        {
            var legacy = values.GetLong(legacyFlag, 0);
            size = legacy;
            if (legacy > 0)
            {
                size = legacy <= long.MaxValue >> legacyShift
                    ? legacy << legacyShift
                    : throw Invalid(legacyFlag, values.GetRaw(legacyFlag)!, "out of range");
            }
        }
        else
        {
            return defaultValue;
        }

        return size == -1 ? defaultValue : size;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static CommandLineException Invalid(string flag, string value, string problem) =>
        new($"invalid value \"{value}\" for flag --{flag}: {problem}");

    private static CommandLineException UnexpectedArgument(string arg) =>
        new($"unexpected argument \"{arg}\": daprd takes flags only (give a boolean flag's value with '=', as in --enable-metrics=false)");

    private static string BuildHelpText()
    {
        var builder = new StringBuilder();
        builder.AppendLine("BioDapr development sidecar: a daprd-compatible sidecar for local development (standalone mode).");
        builder.AppendLine();
        builder.AppendLine("Usage:");
        builder.AppendLine("  BioDapr.Sidecar --app-id <id> [--app-port <port>] [--resources-path <dir>] [--config <file>] [flags]");
        builder.AppendLine();
        builder.AppendLine("Flags (one or two leading dashes; --name value or --name=value):");
        var visible = Flags.Where(f => !f.Hidden).ToList();
        var width = visible.Max(f => f.Name.Length + KindText(f.Kind).Length) + 6;
        foreach (var flag in visible)
        {
            var left = $"  --{flag.Name} {KindText(flag.Kind)}".TrimEnd();
            builder.Append(left.PadRight(width + 2)).Append(flag.Description);
            if (flag.DefaultText.Length > 0 && flag.Kind != DaprdFlagKind.Bool)
            {
                builder.Append(" (default ").Append(flag.DefaultText).Append(')');
            }

            if (flag.Deprecation is not null)
            {
                builder.Append(" [deprecated: ").Append(flag.Deprecation).Append(']');
            }

            builder.AppendLine();
        }

        builder.AppendLine();
        builder.AppendLine("Environment:");
        builder.AppendLine("  DAPR_API_TOKEN   when set, every API call except the health endpoints must send it in the dapr-api-token header");
        builder.AppendLine("  APP_API_TOKEN    when set, sent to the app in the dapr-api-token header on every call except health probes");
        builder.AppendLine("  BIODAPR_SIDECAR_SECRET  when set (run -f sets a fresh one per run), the sidecars of the run authenticate each other");
        builder.AppendLine("                   with it on the internal channel; callers without it are refused");
        return builder.ToString();
    }

    private static string KindText(DaprdFlagKind kind) => kind switch
    {
        DaprdFlagKind.Bool => "",
        DaprdFlagKind.Int => "int",
        DaprdFlagKind.Uint => "uint",
        DaprdFlagKind.Duration => "duration",
        DaprdFlagKind.StringList => "strings",
        _ => "string",
    };

    // The raw and typed values seen while scanning, keyed by flag name.
    private sealed class FlagValues
    {
        private readonly Dictionary<string, string> _raw = new(StringComparer.Ordinal);
        private readonly Dictionary<string, object> _typed = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);

        public List<string> Warnings { get; } = [];

        public void Set(DaprdFlag flag, string value)
        {
            switch (flag.Kind)
            {
                case DaprdFlagKind.Bool:
                    _typed[flag.Name] = GoValueParser.TryParseBool(value, out var b)
                        ? b
                        : throw Invalid(flag.Name, value, "not a boolean (use true or false)");
                    break;
                case DaprdFlagKind.Int:
                    _typed[flag.Name] = GoValueParser.TryParseInt64(value, out var l)
                        ? l
                        : throw Invalid(flag.Name, value, "not an integer");
                    break;
                case DaprdFlagKind.Uint:
                    _typed[flag.Name] = GoValueParser.TryParseUInt64(value, out var u)
                        ? u
                        : throw Invalid(flag.Name, value, "not a non-negative integer");
                    break;
                case DaprdFlagKind.Duration:
                    _typed[flag.Name] = GoDuration.TryParseNanoseconds(value, out var ns, out var error)
                        ? TimeSpan.FromTicks(ns / 100)
                        : throw Invalid(flag.Name, value, $"not a duration ({error}); use a unit such as 30s, 500ms or 1m");
                    break;
                case DaprdFlagKind.StringList:
                    if (!GoValueParser.TrySplitList(value, out var items))
                    {
                        throw Invalid(flag.Name, value, "not a valid comma-separated list");
                    }

                    if (!_lists.TryGetValue(flag.Name, out var list))
                    {
                        _lists[flag.Name] = list = [];
                    }

                    list.AddRange(items);
                    break;
                default:
                    break;
            }

            _raw[flag.Name] = value;
            if (flag.Deprecation is not null)
            {
                Warnings.Add($"Flag --{flag.Name} has been deprecated, {flag.Deprecation}");
            }
        }

        public bool IsSet(string name) => _raw.ContainsKey(name);

        public string? GetRaw(string name) => _raw.GetValueOrDefault(name);

        public string GetString(string name, string defaultValue) => _raw.GetValueOrDefault(name) ?? defaultValue;

        public bool GetBool(string name, bool defaultValue) => _typed.TryGetValue(name, out var v) ? (bool)v : defaultValue;

        public long GetLong(string name, long defaultValue) => _typed.TryGetValue(name, out var v) ? (long)v : defaultValue;

        public ulong GetUInt(string name, ulong defaultValue) => _typed.TryGetValue(name, out var v) ? (ulong)v : defaultValue;

        public int GetInt(string name, int defaultValue)
        {
            var value = GetLong(name, defaultValue);
            return value is < int.MinValue or > int.MaxValue
                ? throw Invalid(name, GetRaw(name)!, "out of range")
                : (int)value;
        }

        public TimeSpan GetDuration(string name, TimeSpan defaultValue) => _typed.TryGetValue(name, out var v) ? (TimeSpan)v : defaultValue;

        public List<string> GetList(string name) => _lists.TryGetValue(name, out var list) ? [.. list] : [];
    }
}
