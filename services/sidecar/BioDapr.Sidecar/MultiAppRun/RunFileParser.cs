using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// Reads a Dapr multi-app run file (<c>dapr run -f</c>) with the Dapr CLI's rules: <c>common</c> holds
/// defaults that an app's own non-zero values override; env maps merge (the app's wins); paths in
/// <c>common</c> and <c>appDirPath</c> are relative to the run file, an app's own paths to its
/// directory; resources come from the app, else <c>&lt;appDir&gt;/.dapr/resources</c>, else
/// <c>common</c>, else <c>~/.dapr/components</c> (the config file likewise). Unknown fields are ignored
/// by the CLI; here they produce a warning, so a typo is visible.
/// </summary>
internal static class RunFileParser
{
    private static readonly string[] SharedKeys =
    [
        "configFilePath", "appProtocol", "apiListenAddresses", "enableProfiling", "logLevel", "appMaxConcurrency",
        "placementHostAddress", "resourcesPath", "resourcesPaths", "appSSL", "maxBodySize", "readBufferSize",
        "enableAppHealthCheck", "appHealthCheckPath", "appHealthProbeInterval", "appHealthProbeTimeout", "appHealthThreshold",
        "enableApiLogging", "runtimePath", "env", "daprdLogDestination", "appLogDestination", "schedulerHostAddress",
    ];

    private static readonly string[] AppKeys =
    [
        "appID", "appChannelAddress", "appPort", "daprHTTPPort", "daprGRPCPort", "profilePort", "command", "metricsPort",
        "unixDomainSocket", "daprInternalGRPCPort", "appDirPath", "containerImage", "containerImagePullPolicy", "createService",
        ReplicasKey,
    ];

    /// <summary>
    /// The app field with the number of replicas to start (a BioDapr extension: the Dapr CLI ignores unknown
    /// fields and runs one; Azure Container Apps scales by its scale rules instead).
    /// </summary>
    public const string ReplicasKey = "replicas";

    /// <summary>The most replicas one app may have in a development run.</summary>
    public const int MaxReplicas = 16;

    /// <summary>Parses the file (or <c>&lt;dir&gt;/dapr.yaml</c> for a directory) into one plan per app.</summary>
    public static (IReadOnlyList<AppRunPlan> Apps, IReadOnlyList<string> Warnings) Parse(string path, Func<string, string?> getEnvironmentVariable, Func<int> freePort)
    {
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "dapr.yaml");
        }

        path = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RunFileException($"{path}: cannot read the run file: {ex.Message}", ex);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new RunFileException($"{path}: line {ex.Start.Line}: invalid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RunFileException($"{path}: the run file must be a mapping with version and apps");
        }

        var reader = new Reader(path);
        var warnings = new List<string>();
        reader.WarnUnknown(root, "", ["version", "name", "common", "apps"], warnings);
        var version = reader.Int(root, "version", "") ?? 0;
        if (version == 0)
        {
            throw reader.Error(root, "version", "is required and must not be 0");
        }

        var baseDirectory = Path.GetDirectoryName(path)!;
        var common = reader.Map(root, "common", "") ?? new YamlMappingNode();
        reader.WarnUnknown(common, "common", SharedKeys, warnings);
        var appsNode = root.Children.TryGetValue(new YamlScalarNode("apps"), out var apps) ? apps as YamlSequenceNode : null;
        if (appsNode is null || appsNode.Children.Count == 0)
        {
            throw reader.Error(root, "apps", "at least one app is required");
        }

        var home = getEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var plans = new List<AppRunPlan>();
        var usedPorts = new Dictionary<int, string>();
        for (var i = 0; i < appsNode.Children.Count; i++)
        {
            var field = $"apps[{i}]";
            var app = appsNode.Children[i] as YamlMappingNode ?? throw reader.Error(appsNode.Children[i], field, "must be a mapping");
            reader.WarnUnknown(app, field, [.. AppKeys, .. SharedKeys], warnings);
            plans.Add(Plan(reader, app, common, field, baseDirectory, home, freePort, usedPorts, plans));
        }

        return (plans, warnings);
    }

    private static AppRunPlan Plan(
        Reader reader, YamlMappingNode app, YamlMappingNode common, string field, string baseDirectory, string home,
        Func<int> freePort, Dictionary<int, string> usedPorts, List<AppRunPlan> earlier)
    {
        var dirText = reader.String(app, "appDirPath", field) ?? throw reader.Error(app, field + ".appDirPath", "is required");
        var appDir = Path.GetFullPath(Path.Combine(baseDirectory, dirText));
        if (!Directory.Exists(appDir))
        {
            throw reader.Error(app, field + ".appDirPath", $"the directory '{appDir}' does not exist");
        }

        var appId = reader.String(app, "appID", field) ?? Path.GetFileName(appDir.TrimEnd(Path.DirectorySeparatorChar));
        if (earlier.Any(p => p.AppId == appId))
        {
            throw reader.Error(app, field + ".appID", $"'{appId}' is used by another app");
        }

        // An app's own value wins over common when it is set (non-zero, non-empty).
        string? Shared(string key) => reader.String(app, key, field) ?? reader.String(common, key, "common");
        int? SharedInt(string key) => reader.Int(app, key, field) is { } value and not 0 ? value : reader.Int(common, key, "common");
        bool SharedBool(string key) => reader.Bool(app, key, field) ?? reader.Bool(common, key, "common") ?? false;

        var picked = new HashSet<SidecarPort>();
        int Port(string key, SidecarPort which)
        {
            var port = reader.Int(app, key, field);
            if (port is null or <= 0)
            {
                picked.Add(which);
                return freePort();
            }

            if (port > 65535)
            {
                throw reader.Error(app, $"{field}.{key}", $"{port} is not a valid port");
            }

            if (usedPorts.TryGetValue(port.Value, out var owner))
            {
                throw reader.Error(app, $"{field}.{key}", $"port {port} is also used by {owner}");
            }

            usedPorts[port.Value] = $"{appId}.{key}";
            return port.Value;
        }

        var appPort = reader.Int(app, "appPort", field);
        if (appPort is > 65535 or 0)
        {
            throw reader.Error(app, field + ".appPort", $"{appPort} is not a valid port");
        }

        if (appPort is > 0)
        {
            if (usedPorts.TryGetValue(appPort.Value, out var owner))
            {
                throw reader.Error(app, field + ".appPort", $"port {appPort} is also used by {owner}");
            }

            usedPorts[appPort.Value] = appId + ".appPort";
        }

        var replicas = reader.Int(app, ReplicasKey, field) ?? 1;
        if (replicas is < 1 or > MaxReplicas)
        {
            throw reader.Error(app, $"{field}.{ReplicasKey}", $"{replicas} is not a replica count from 1 to {MaxReplicas}");
        }

        var command = reader.StringList(app, "command", field) ?? [];
        if (app.Children.ContainsKey(new YamlScalarNode("command")) && command.Count == 0)
        {
            throw reader.Error(app, field + ".command", "is empty");
        }

        var httpPort = Port("daprHTTPPort", SidecarPort.Http);
        var grpcPort = Port("daprGRPCPort", SidecarPort.Grpc);
        var internalPort = Port("daprInternalGRPCPort", SidecarPort.Internal);
        var metricsPort = Port("metricsPort", SidecarPort.Metrics);

        // Resources and config: the app's own, then <appDir>/.dapr, then common, then ~/.dapr.
        var resources = reader.StringList(app, "resourcesPaths", field) ?? (reader.String(app, "resourcesPath", field) is { } one ? [one] : null);
        IReadOnlyList<string> resourcesPaths;
        if (resources is not null)
        {
            resourcesPaths = resources.Select(p => Existing(reader, app, field + ".resourcesPaths", Path.GetFullPath(Path.Combine(appDir, p)))).ToList();
        }
        else if (Directory.Exists(Path.Combine(appDir, ".dapr", "resources")))
        {
            resourcesPaths = [Path.Combine(appDir, ".dapr", "resources")];
        }
        else if ((reader.StringList(common, "resourcesPaths", "common") ?? (reader.String(common, "resourcesPath", "common") is { } c ? [c] : null)) is { } shared)
        {
            resourcesPaths = shared.Select(p => Existing(reader, common, "common.resourcesPaths", Path.GetFullPath(Path.Combine(baseDirectory, p)))).ToList();
        }
        else
        {
            resourcesPaths = Directory.Exists(Path.Combine(home, ".dapr", "components")) ? [Path.Combine(home, ".dapr", "components")] : [];
        }

        string? config;
        if (reader.String(app, "configFilePath", field) is { } own)
        {
            config = Existing(reader, app, field + ".configFilePath", Path.GetFullPath(Path.Combine(appDir, own)));
        }
        else if (File.Exists(Path.Combine(appDir, ".dapr", "config.yaml")))
        {
            config = Path.Combine(appDir, ".dapr", "config.yaml");
        }
        else if (reader.String(common, "configFilePath", "common") is { } sharedConfig)
        {
            config = Existing(reader, common, "common.configFilePath", Path.GetFullPath(Path.Combine(baseDirectory, sharedConfig)));
        }
        else
        {
            config = File.Exists(Path.Combine(home, ".dapr", "config.yaml")) ? Path.Combine(home, ".dapr", "config.yaml") : null;
        }

        var protocol = Shared("appProtocol") ?? "http";
        var channelAddress = reader.String(app, "appChannelAddress", field);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["APP_ID"] = appId,
            ["DAPR_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["DAPR_GRPC_PORT"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["DAPR_METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture),
            ["APP_PROTOCOL"] = protocol,
        };
        if (channelAddress is not null)
        {
            environment["APP_CHANNEL_ADDRESS"] = channelAddress;
        }

        if (appPort is > 0)
        {
            environment["APP_PORT"] = appPort.Value.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in reader.StringMap(common, "env", "common"))
        {
            environment[key] = value;
        }

        foreach (var (key, value) in reader.StringMap(app, "env", field))
        {
            environment[key] = value;
        }

        var arguments = new List<string>
        {
            "--app-id", appId,
            "--dapr-http-port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--dapr-grpc-port", grpcPort.ToString(CultureInfo.InvariantCulture),
            "--dapr-internal-grpc-port", internalPort.ToString(CultureInfo.InvariantCulture),
            "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture),
            "--app-protocol", protocol,
        };
        if (appPort is > 0)
        {
            arguments.AddRange(["--app-port", appPort.Value.ToString(CultureInfo.InvariantCulture)]);
        }

        if (channelAddress is not null)
        {
            arguments.AddRange(["--app-channel-address", channelAddress]);
        }

        foreach (var resourcesPath in resourcesPaths)
        {
            arguments.AddRange(["--resources-path", resourcesPath]);
        }

        if (config is not null)
        {
            arguments.AddRange(["--config", config]);
        }

        void Flag(string flag, string? value)
        {
            if (value is not null)
            {
                arguments.AddRange([flag, value]);
            }
        }

        Flag("--log-level", Shared("logLevel"));
        Flag("--app-max-concurrency", SharedInt("appMaxConcurrency")?.ToString(CultureInfo.InvariantCulture));
        Flag("--max-body-size", Shared("maxBodySize"));
        Flag("--read-buffer-size", Shared("readBufferSize"));
        Flag("--dapr-listen-addresses", Shared("apiListenAddresses"));
        Flag("--placement-host-address", Shared("placementHostAddress"));
        Flag("--scheduler-host-address", Shared("schedulerHostAddress"));
        if (SharedBool("enableAppHealthCheck"))
        {
            arguments.Add("--enable-app-health-check");
            Flag("--app-health-check-path", Shared("appHealthCheckPath"));
            Flag("--app-health-probe-interval", SharedInt("appHealthProbeInterval")?.ToString(CultureInfo.InvariantCulture));
            Flag("--app-health-probe-timeout", SharedInt("appHealthProbeTimeout")?.ToString(CultureInfo.InvariantCulture));
            Flag("--app-health-threshold", SharedInt("appHealthThreshold")?.ToString(CultureInfo.InvariantCulture));
        }

        if (SharedBool("enableApiLogging"))
        {
            arguments.Add("--enable-api-logging");
        }

        return new AppRunPlan
        {
            AppId = appId,
            AppDirPath = appDir,
            Command = command,
            AppPort = appPort is > 0 ? appPort : null,
            DaprHttpPort = httpPort,
            DaprGrpcPort = grpcPort,
            DaprInternalPort = internalPort,
            MetricsPort = metricsPort,
            AppEnvironment = environment,
            SidecarArguments = arguments,
            DaprdLogDestination = LogDestination(reader, Shared("daprdLogDestination") ?? "file", app, field + ".daprdLogDestination"),
            AppLogDestination = LogDestination(reader, Shared("appLogDestination") ?? "fileAndConsole", app, field + ".appLogDestination"),
            PickedPorts = picked,
            Replicas = replicas,
        };
    }

    private static string Existing(Reader reader, YamlNode node, string field, string path) =>
        Directory.Exists(path) || File.Exists(path) ? path : throw reader.Error(node, field, $"'{path}' does not exist");

    private static string LogDestination(Reader reader, string value, YamlNode node, string field) =>
        value is "file" or "console" or "fileAndConsole"
            ? value
            : throw reader.Error(node, field, $"'{value}' is not one of file, console, fileAndConsole");

    private sealed class Reader(string source)
    {
        public RunFileException Error(YamlNode node, string field, string problem) =>
            new($"{source}: line {node.Start.Line}: {field}: {problem}");

        public void WarnUnknown(YamlMappingNode map, string path, IReadOnlyCollection<string> known, List<string> warnings)
        {
            foreach (var key in map.Children.Keys.OfType<YamlScalarNode>().Where(k => !known.Contains(k.Value)))
            {
                warnings.Add($"{source}: line {key.Start.Line}: {(path.Length == 0 ? string.Empty : path + ".")}{key.Value}: unknown field, ignored (as the Dapr CLI does)");
            }
        }

        public YamlMappingNode? Map(YamlMappingNode map, string key, string path) =>
            Get(map, key) is { } node ? node as YamlMappingNode ?? throw Error(node, Join(path, key), "must be a mapping") : null;

        public string? String(YamlMappingNode map, string key, string path) =>
            Get(map, key) is { } node
                ? node is YamlScalarNode { Value: { Length: > 0 } value } ? value : node is YamlScalarNode ? null : throw Error(node, Join(path, key), "must be a single value")
                : null;

        public int? Int(YamlMappingNode map, string key, string path) =>
            String(map, key, path) is { } text
                ? int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : throw Error(Get(map, key)!, Join(path, key), $"'{text}' is not an integer")
                : null;

        public bool? Bool(YamlMappingNode map, string key, string path) =>
            String(map, key, path) is { } text
                ? bool.TryParse(text, out var value) ? value : throw Error(Get(map, key)!, Join(path, key), $"'{text}' is not true or false")
                : null;

        public List<string>? StringList(YamlMappingNode map, string key, string path)
        {
            if (Get(map, key) is not { } node)
            {
                return null;
            }

            return node is YamlSequenceNode sequence
                ? sequence.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw Error(c, Join(path, key), "must be a list of strings")).ToList()
                : throw Error(node, Join(path, key), "must be a list");
        }

        public Dictionary<string, string> StringMap(YamlMappingNode map, string key, string path)
        {
            if (Get(map, key) is not { } node)
            {
                return [];
            }

            var mapping = node as YamlMappingNode ?? throw Error(node, Join(path, key), "must be a mapping of names to values");
            return mapping.Children.ToDictionary(
                p => ((YamlScalarNode)p.Key).Value!,
                p => (p.Value as YamlScalarNode)?.Value ?? throw Error(p.Value, Join(path, key), "values must be strings"),
                StringComparer.Ordinal);
        }

        private static YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

        private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
    }
}
