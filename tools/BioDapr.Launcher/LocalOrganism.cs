using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Launcher;

/// <summary>
/// The organism started the way users start it: the multi-app runner (<c>run -f</c>) as a real process,
/// each cell a real process with its own development sidecar, against a real redis-server. The component
/// files and the cells' Configurations are the repository's (components/local, dapr/config), pointed at
/// this organism's Redis and secrets; the run file gives each cell its ports.
/// The cells are the build output of the caller's configuration (reference them with
/// <c>ReferenceOutputAssembly="false"</c> so they are built first). Used by the end-to-end tests and by the
/// cortex's live benchmark, the cold-start benchmark and the chaos command. Start it with <see cref="StartAsync"/>;
/// dispose it to stop everything and delete its files.
/// </summary>
public partial class LocalOrganism : IAsyncDisposable
{
    private RedisProcess _redis = new();
    private GlewlwydProvider? _identity;
    private readonly StringBuilder _output = new();
    private readonly string _root = Directory.CreateTempSubdirectory("biodapr-e2e-").FullName;
    private Process? _runner;

    /// <summary>The port of the organism's Redis (state, pub/sub, hormones).</summary>
    public int Redis => _redis.Port;

    /// <summary>The redis-server's process id while it runs.</summary>
    public int? RedisProcessId => _redis.ProcessId;

    /// <summary>
    /// Run Redis with an append-only file fsynced on every write, as <c>./biodapr up</c> does (set before
    /// <see cref="StartAsync"/>), so <see cref="RestartRedisAsync"/> loses nothing; off by default.
    /// </summary>
    public bool RedisAppendOnly { get; init; }

    /// <summary>Text replaced in the repository's local components before they are used (for example a shorter <c>maxLenApprox</c> for a soak).</summary>
    public Dictionary<string, string> ComponentReplacements { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A stream cap (<c>maxLenApprox</c>; 0 = none) per pub/sub component name, replacing the one its local component
    /// declares (for example <c>pubsub</c> and <c>vitals-pubsub</c> shortened for a soak). Starting fails when a named
    /// component is not in components/local or declares no <c>maxLenApprox</c>, so a cap is never silently not applied.
    /// </summary>
    public Dictionary<string, long> StreamCaps { get; } = new(StringComparer.Ordinal);

    /// <summary>Replicas added while running start at idle CPU priority until ready (the runner's <c>--start-idle</c>).</summary>
    public bool StartReplicasIdle { get; init; }

    /// <summary>The gateway's public port (the clients' API and its OpenAPI document).</summary>
    public int GatewayPort { get; } = LoopbackPorts.Next();

    /// <summary>The notifications cell's public port (<c>GET /notifications</c>).</summary>
    public int NotificationsPort { get; } = LoopbackPorts.Next();

    /// <summary>The cortex's public port (status, pathways, audit).</summary>
    public int CortexPort { get; } = LoopbackPorts.Next();

    /// <summary>Each app's app port (by app id): only its sidecar's callbacks are served there.</summary>
    public IReadOnlyDictionary<string, int> AppPorts { get; } = new[] { "gateway", "orders", "payments", "inventory", "notifications", "shipping", "cortex" }
        .ToDictionary(id => id, _ => LoopbackPorts.Next(), StringComparer.Ordinal);

    /// <summary>
    /// SKUs added to inventory's catalogue (SKU → initial stock) for this organism, on top of the catalogue the cell ships
    /// with; set before start. By default a few SKUs each test may use on its own.
    /// </summary>
    public Dictionary<string, int> ExtraCatalogue { get; } = new(StringComparer.Ordinal)
    {
        ["e2e-slow"] = 1_000, ["e2e-flaky"] = 1_000, ["e2e-keyed"] = 1_000, ["e2e-identity"] = 1_000, ["e2e-forged"] = 1_000, ["e2e-visible"] = 1_000,
        ["e2e-big"] = 1_000, ["e2e-refused"] = 1_000, ["e2e-crash"] = 1_000, ["e2e-killed"] = 1_000, ["restart-app"] = 1_000, ["restart-sidecar"] = 1_000, ["e2e-fair"] = 100_000, ["e2e-polite"] = 1_000, ["e2e-scarce"] = 3,
        ["e2e-race-a"] = 1_000, ["e2e-race-b"] = 1_000,
        ["chaos-plenty"] = ChaosPlentyStock, ["chaos-scarce"] = ChaosScarceStock,
    };

    /// <summary>Replicas per app id (default 1; the run file's <c>replicas:</c>); set before start.</summary>
    public Dictionary<string, int> Replicas { get; } = new(StringComparer.Ordinal);

    /// <summary>The apps this organism runs (null: all of them); set before start, for tests that need only a few cells.</summary>
    public IReadOnlySet<string>? OnlyApps { get; init; }

    /// <summary>Apps that run as their sidecar alone, without the cell (a caller with that app's identity); set before start.</summary>
    public IReadOnlySet<string> SidecarOnly { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The initial stock of <c>chaos-plenty</c>, which the chaos command orders most.</summary>
    public const int ChaosPlentyStock = 1_000_000;

    /// <summary>The initial stock of <c>chaos-scarce</c>: the chaos command's orders run it out (409s), and cancellations give units back.</summary>
    public const int ChaosScarceStock = 150;

    /// <summary>The Dapr HTTP port of each app's sidecar (by app id), e.g. to publish as that app.</summary>
    public IReadOnlyDictionary<string, int> SidecarPorts { get; } = new[] { "gateway", "orders", "payments", "inventory", "notifications", "shipping", "cortex" }
        .ToDictionary(id => id, _ => LoopbackPorts.Next(), StringComparer.Ordinal);

    /// <summary>
    /// Run the shipping cell too (TypeScript, services/cells/shipping: built with npm at start, needs Node.js): set before
    /// <see cref="StartAsync"/>; off by default, so the other tests see orders stay confirmed.
    /// </summary>
    public bool WithShipping { get; init; }

    /// <summary>The app ids this organism runs (shipping only <see cref="WithShipping"/>); the port maps hold every possible app.</summary>
    public IEnumerable<string> RunningApps => SidecarPorts.Keys.Where(id => WithShipping || id != "shipping");

    /// <summary>Everything the runner printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Where the runner writes its control API's address and token (<c>.dapr/runner.json</c> beside the run file) once it is up.</summary>
    public string RunnerStateFile => Path.Combine(_root, ".dapr", "runner.json");

    /// <summary>The runner process.</summary>
    public Process Runner => _runner!;

    /// <summary>The client API keys the gateway accepts (<c>gateway-api-keys</c> secret).</summary>
    public static string ShopApiKey => "e2e-shop-key";

    /// <summary>A second client's API key (the <c>bulk</c> client).</summary>
    public static string BulkApiKey => "e2e-bulk-key";

    /// <summary>How many probe clients (<see cref="ProbeApiKey"/>) the gateway accepts.</summary>
    public const int ProbeClients = 12;

    /// <summary>
    /// The API key of probe client <paramref name="n"/> (1 to <see cref="ProbeClients"/>; client <c>probe{n}</c>): a test
    /// that sends with a valid key what a well-behaved client does not (payload bombs, malformed bodies, unknown ids, a
    /// reused Idempotency-Key) uses one of its own, from a loopback address of its own (<see cref="LoopbackSources"/>),
    /// so a quarantine the gateway's anomaly detector decides touches neither the well-behaved clients nor another test.
    /// </summary>
    public static string ProbeApiKey(int n) =>
        n is >= 1 and <= ProbeClients ? $"e2e-probe-{n}-key" : throw new ArgumentOutOfRangeException(nameof(n), n, $"probe clients are 1 to {ProbeClients}");

    /// <summary>The operator key of the organism page (secret <c>cortex-operator-keys</c>; operator <c>e2e-operator</c>).</summary>
    public static string OperatorKey => "e2e-operator-key";

    /// <summary>
    /// The organism's OpenID Connect provider (glewlwyd, a process of its own, after <see cref="StartAsync"/>), with the machine
    /// clients <see cref="MachineClient"/> (both scopes), <see cref="OtherMachineClient"/> (both scopes) and <see cref="ReaderClient"/>
    /// (<c>orders:read</c> only). The gateway accepts its tokens beside the API keys.
    /// </summary>
    public GlewlwydProvider Identity => _identity ?? throw new InvalidOperationException("the organism is not started");

    /// <summary>A machine client holding <c>orders:place</c> and <c>orders:read</c>.</summary>
    public const string MachineClient = "e2e-machine";

    /// <summary>A second machine client holding both scopes (its orders are not the first one's).</summary>
    public const string OtherMachineClient = "e2e-other";

    /// <summary>A machine client holding <c>orders:read</c> only.</summary>
    public const string ReaderClient = "e2e-reader";

    /// <summary>More clients the gateway accepts (client name → API key) beside <see cref="ShopApiKey"/> and <see cref="BulkApiKey"/>; set before start.</summary>
    public Dictionary<string, string> ExtraClientKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Where the sidecars export their spans (OTLP/HTTP, <c>host:port</c>): written into a copy of each Configuration
    /// (dapr/config) as <c>spec.tracing.otel</c>; set before start. Null (the default) keeps the repository's
    /// Configurations, which name no collector: the sidecars pass <c>traceparent</c> on and record nothing.
    /// </summary>
    public string? SidecarOtlpEndpoint { get; init; }

    /// <summary>
    /// A Configuration's text with <c>spec.tracing.otel</c> naming an OTLP/HTTP collector at <paramref name="endpoint"/>
    /// (plain HTTP), under its <c>samplingRate</c> line; throws when the file has no such line to put it under.
    /// </summary>
    public static string WithOtlpCollector(string configuration, string endpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var samplingRate = SamplingRateLine().Match(configuration);
        if (!samplingRate.Success)
        {
            throw new InvalidOperationException($"{path} has no 'spec.tracing.samplingRate' line to put the OTLP collector under");
        }

        var indent = samplingRate.Groups["indent"].Value;
        var otel = $"{indent}otel:\n{indent}  endpointAddress: {endpoint}\n{indent}  isSecure: false\n{indent}  protocol: http\n";
        return configuration.Insert(samplingRate.Index + samplingRate.Length, otel);
    }

    /// <summary>Extra environment variables of a cell (by app id), e.g. configuration overrides.</summary>
    public Dictionary<string, Dictionary<string, string>> AppEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the runner's output is kept on dispose (default: next to the binaries).</summary>
    public string LogDirectory { get; set; } = AppContext.BaseDirectory;

    /// <summary>Starts Redis, writes the run's files and starts the runner; returns once every app is ready.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _redis = new RedisProcess { AppendOnly = RedisAppendOnly };
        await _redis.StartAsync(cancellationToken);
        _identity = new GlewlwydProvider
        {
            Clients =
            {
                [MachineClient] = ["orders:place", "orders:read"],
                [OtherMachineClient] = ["orders:place", "orders:read"],
                [ReaderClient] = ["orders:read"],
            },
        };
        await _identity.StartAsync(cancellationToken);
        var components = Path.Combine(_root, "components");
        Directory.CreateDirectory(components);
        var clientKeys = string.Join(';', ExtraClientKeys.Select(k => k.Key + "=" + k.Value)
            .Concat(Enumerable.Range(1, ProbeClients).Select(n => $"probe{n}={ProbeApiKey(n)}"))
            .Prepend("bulk=e2e-bulk-key").Prepend("shop=e2e-shop-key"));
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["orders-api-key"] = "e2e-key",
            ["gateway-api-keys"] = clientKeys,
            ["cortex-operator-keys"] = "e2e-operator=e2e-operator-key",
        };
        await File.WriteAllTextAsync(Path.Combine(_root, "secrets.json"), JsonSerializer.Serialize(secrets), cancellationToken);
        // The repository's own components (with their scopes, topic scoping included) and per-app
        // Configurations (secret scopes, access control), pointed at this organism's Redis and secrets file.
        var capped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot, "components", "local"), "*.yaml"))
        {
            var text = SecretsFileValue().Replace(await File.ReadAllTextAsync(file, cancellationToken), "${prefix}" + Path.Combine(_root, "secrets.json"))
                .Replace("localhost:6379", _redis.Host, StringComparison.Ordinal)
                // daprd's default initTimeout (5 s) is too short when the machine is shared with builds and other organisms.
                .Replace("\nspec:\n", "\nspec:\n  initTimeout: 60s\n", StringComparison.Ordinal);
            foreach (var (from, to) in ComponentReplacements)
            {
                text = text.Replace(from, to, StringComparison.Ordinal);
            }

            text = ApplyStreamCap(text, StreamCaps, capped);
            await File.WriteAllTextAsync(Path.Combine(components, Path.GetFileName(file)), text, cancellationToken);
        }

        if (StreamCaps.Keys.Except(capped, StringComparer.Ordinal).ToList() is { Count: > 0 } missing)
        {
            throw new InvalidOperationException($"stream caps for {string.Join(", ", missing)}: no such pub/sub component with a maxLenApprox in components/local");
        }

        var apps = new (string Id, string Project, int? PublicPort)[]
        {
            ("gateway", "BioDapr.Gateway", GatewayPort),
            ("orders", "BioDapr.Orders", null),
            ("payments", "BioDapr.Payments", null),
            ("inventory", "BioDapr.Inventory", null),
            ("notifications", "BioDapr.Notifications", NotificationsPort),
            ("cortex", "BioDapr.Cortex", CortexPort),
        };
        if (WithShipping)
        {
            apps = [.. apps, ("shipping", ShippingCell.Build(), null)];
        }

        var catalogue = JsonSerializer.Deserialize<Dictionary<string, int>>(await File.ReadAllBytesAsync(Path.Combine(Path.GetDirectoryName(ChildProcess.Built("BioDapr.Inventory"))!, "catalogue.json"), cancellationToken))!;
        foreach (var (sku, stock) in ExtraCatalogue)
        {
            catalogue[sku] = stock;
        }

        await File.WriteAllTextAsync(Path.Combine(_root, "catalogue.json"), JsonSerializer.Serialize(catalogue), cancellationToken);

        // The repository's sidecar Resiliency baseline applies here as under ./biodapr up; as in dapr/dapr.yaml, the
        // sidecars connect once a cell's health says it is warmed up.
        File.Copy(Path.Combine(RepositoryRoot, "dapr", "resiliency.yaml"), Path.Combine(components, "resiliency.yaml"));
        var runFile = new StringBuilder(
            "version: 1\ncommon:\n  resourcesPaths: [ ./components ]\n"
            // The cells' runtime settings, as dapr/dapr.yaml sets them (RuntimeSettings).
            + "  env:\n" + string.Concat(RuntimeSettings.Environment.Select(setting => $"    {setting.Key}: \"{setting.Value}\"\n"))
            + "  enableAppHealthCheck: true\n  appHealthCheckPath: /healthz\n  appHealthProbeInterval: 1\n  appHealthProbeTimeout: 500\n  appHealthThreshold: 2\n"
            + "apps:\n");
        foreach (var (id, project, publicPort) in apps)
        {
            if (OnlyApps is { } only && !only.Contains(id))
            {
                continue;
            }

            Directory.CreateDirectory(Path.Combine(_root, id));
            if (SidecarOnly.Contains(id))
            {
                runFile.Append($"  - appID: {id}\n    appDirPath: ./{id}\n    daprHTTPPort: {SidecarPorts[id]}\n    configFilePath: {Path.Combine(RepositoryRoot, "dapr", "config", id + ".yaml")}\n");
                continue;
            }

            var command = id == "shipping" ? $"\"node\", \"{project}\"" : $"\"dotnet\", \"{ChildProcess.Built(project)}\"";
            runFile.Append($"  - appID: {id}\n    appDirPath: ./{id}\n    appPort: {AppPorts[id]}\n    daprHTTPPort: {SidecarPorts[id]}\n    command: [ {command} ]\n");
            if (Replicas.TryGetValue(id, out var replicas) && replicas != 1)
            {
                runFile.Append(System.Globalization.CultureInfo.InvariantCulture, $"    replicas: {replicas}\n");
            }
            var configuration = Path.Combine(RepositoryRoot, "dapr", "config", id + ".yaml");
            if (SidecarOtlpEndpoint is { } otlp)
            {
                var copy = Path.Combine(_root, id + ".configuration.yaml");
                await File.WriteAllTextAsync(copy, WithOtlpCollector(await File.ReadAllTextAsync(configuration, cancellationToken), otlp, configuration), cancellationToken);
                configuration = copy;
            }

            runFile.Append($"    configFilePath: {configuration}\n");
            var env = new Dictionary<string, string>(AppEnvironment.GetValueOrDefault(id) ?? [], StringComparer.Ordinal);
            if (publicPort is { } port)
            {
                env["PUBLIC_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (id == "gateway")
            {
                // API keys and the provider's access tokens; a token signed by an unknown key fetches the keys again at most every second.
                env.TryAdd("Gateway__Authentication__Mode", "Both");
                env.TryAdd("Gateway__Authentication__Oidc__Authority", _identity.Issuer);
                env.TryAdd("Gateway__Authentication__Oidc__Audience", GlewlwydProvider.Audience);
                env.TryAdd("Gateway__Authentication__Oidc__KeyRefreshSeconds", "1");
            }

            if (id == "cortex")
            {
                // The cortex writes hormones straight to the configuration store's Redis.
                env["Cortex__HormoneStore__Redis"] = _redis.Host;
                // ... and trims the dead-letter stream of the pub/sub's Redis (the same one here) on its actor reminder.
                env["Cortex__DeadLetters__Redis"] = _redis.Host;
            }

            if (id == "inventory")
            {
                env["Inventory__CatalogueFile"] = Path.Combine(_root, "catalogue.json");
            }

            if (env.Count > 0)
            {
                runFile.Append("    env:\n");
                foreach (var (name, value) in env)
                {
                    runFile.Append($"      {name}: \"{value}\"\n");
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(_root, "dapr.yaml"), runFile.ToString(), cancellationToken);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var argument in new[] { ChildProcess.Built("BioDapr.Sidecar"), "run", "-f", Path.Combine(_root, "dapr.yaml"), "--startup-timeout", ((int)Math.Min(StartTimeout.TotalSeconds, 3600)).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        if (StartReplicasIdle)
        {
            start.ArgumentList.Add("--start-idle");
        }

        start.Environment["BIODAPR_NAME_RESOLUTION_DIR"] = Path.Combine(_root, "nameresolution");
        RuntimeSettings.ApplyTo(start.Environment);
        _runner = Process.Start(start)!;
        _runner.OutputDataReceived += (_, e) => Append(e.Data);
        _runner.ErrorDataReceived += (_, e) => Append(e.Data);
        _runner.BeginOutputReadLine();
        _runner.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!Output.Contains("You're up and running", StringComparison.Ordinal))
        {
            if (_runner.HasExited)
            {
                throw new InvalidOperationException("the runner exited during startup:\n" + Output);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the organism did not start within {StartTimeout.TotalSeconds:0} s; the runner printed:\n" + Output);
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// How long <see cref="StartAsync"/> waits for the organism to be up (default 6 minutes: tests and tools share the
    /// machine with builds and other organisms); the runner gets the same time per app (<c>--startup-timeout</c>, at most an hour).
    /// </summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>
    /// Restarts the organism's Redis as an operator would (SIGTERM, then start again on the same port and data
    /// directory); with <see cref="RedisAppendOnly"/> every acknowledged write survives.
    /// </summary>
    public Task RestartRedisAsync(CancellationToken cancellationToken = default) => _redis.RestartAsync(cancellationToken);

    /// <summary>Stops the runner (its apps and sidecars) and Redis, keeps the runner's output in <see cref="LogDirectory"/> and deletes the run's files.</summary>
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        // Keep what the organism printed next to the test results, for diagnosing a failed run.
        var log = Path.Combine(LogDirectory, "organism-" + DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture) + ".log");
        await File.WriteAllTextAsync(log, Output);
        if (Output.Contains(" exited", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync($"An app of the organism exited during the tests; its output is in {log}. Last lines:\n"
                + string.Join('\n', Output.Split('\n').TakeLast(40)));
        }

        if (_runner is { HasExited: false })
        {
            Terminate(_runner.Id);
            if (!_runner.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                _runner.Kill(entireProcessTree: true);
            }
        }

        _runner?.Dispose();
        await _redis.DisposeAsync();
        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>
    /// The process id of an app of this organism (<paramref name="sidecar"/>: of its sidecar), found by
    /// its working directory (the app's directory of this run) and, for a sidecar, its <c>--app-id</c>.
    /// </summary>
    public int ProcessOf(string appId, bool sidecar = false) => ProcessOf(appId, replica: null, sidecar);

    /// <summary>
    /// As <see cref="ProcessOf(string, bool)"/>, of replica <paramref name="replica"/> (the runner's <c>BIODAPR_REPLICA</c>
    /// in the process's environment; null: any).
    /// </summary>
    public int ProcessOf(string appId, int? replica, bool sidecar = false)
    {
        var directory = Path.Combine(_root, appId);
        foreach (var entry in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                if (new DirectoryInfo(Path.Combine(entry, "cwd")).ResolveLinkTarget(returnFinalTarget: false)?.FullName != directory)
                {
                    continue;
                }

                // The app and its sidecar share the directory; only the sidecar has daprd's --app-id.
                if (File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0').Contains("--app-id") == sidecar
                    && (replica is null || File.ReadAllText(Path.Combine(entry, "environ")).Split('\0').Contains("BIODAPR_REPLICA=" + replica.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours to read.
            }
        }

        throw new InvalidOperationException($"no running {(sidecar ? "sidecar" : "app")} process for {appId} in {directory}");
    }

    /// <summary>Sends SIGTERM, as a service manager or Ctrl-C would; true when kill(1) succeeded.</summary>
    public static bool Terminate(int pid) => Signal("-TERM", pid);

    /// <summary>Sends SIGKILL (kill -9): the process dies at once, as in a crash.</summary>
    public static bool Kill(int pid) => Signal("-KILL", pid);

    private static bool Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }

    /// <summary>The repository this library was built from (its dapr/ and components/ files).</summary>
    public static string RepositoryRoot { get; } = typeof(LocalOrganism).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>What the sidecars of <paramref name="appId"/> logged so far (the runner writes daprd's log to files, as the Dapr CLI does).</summary>
    public string SidecarLog(string appId)
    {
        var logs = Path.Combine(_root, appId, ".dapr", "logs");
        return Directory.Exists(logs)
            ? string.Concat(Directory.GetFiles(logs, "*daprd*.log").Order(StringComparer.Ordinal).Select(file => File.ReadAllText(file)))
            : string.Empty;
    }

    /// <summary>The Dapr HTTP port of an app's sidecar (what the cell itself talks to), from the run's name resolution.</summary>
    public int SidecarHttpPort(string appId) => NameResolution(appId).GetProperty("httpPort").GetInt32();

    /// <summary>The internal (sidecar-to-sidecar) port of an app's sidecar.</summary>
    public int SidecarInternalPort(string appId) => NameResolution(appId).GetProperty("internalPort").GetInt32();

    private System.Text.Json.JsonElement NameResolution(string appId)
    {
        // Each sidecar writes <app>@<instance>.json (one per replica); the organism runs one replica of each app.
        var file = Directory.EnumerateFiles(Path.Combine(_root, "nameresolution"), appId + "@*.json").Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"no name resolution entry for app '{appId}' in {Path.Combine(_root, "nameresolution")}");
        using var entry = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(file));
        return entry.RootElement.Clone();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    // The secret store's secretsFile (a path relative to the app's directory, however deep the cells sit).
    /// <summary>
    /// The component file <paramref name="text"/> with its <c>maxLenApprox</c> set to its entry in <paramref name="caps"/>
    /// (by the component's name); the name is added to <paramref name="capped"/> when the cap was applied.
    /// </summary>
    public static string ApplyStreamCap(string text, IReadOnlyDictionary<string, long> caps, ISet<string> capped)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(caps);
        ArgumentNullException.ThrowIfNull(capped);
        if (ComponentName().Match(text) is not { Success: true } name || !caps.TryGetValue(name.Groups["name"].Value, out var cap) || !MaxLenValue().IsMatch(text))
        {
            return text;
        }

        capped.Add(name.Groups["name"].Value);
        return MaxLenValue().Replace(text, m => m.Groups["prefix"].Value + "\"" + cap.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"", 1);
    }

    /// <summary>The <c>maxLenApprox</c> the pub/sub component <paramref name="name"/> declares in components/local (0: none).</summary>
    public static long LocalStreamCap(string name)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot, "components", "local"), "*.yaml"))
        {
            var text = File.ReadAllText(file);
            if (ComponentName().Match(text) is { Success: true } match && match.Groups["name"].Value == name)
            {
                return MaxLenValue().Match(text) is { Success: true } cap
                    ? long.Parse(cap.Value[cap.Groups["prefix"].Length..].Trim('"'), System.Globalization.CultureInfo.InvariantCulture)
                    : 0;
            }
        }

        throw new InvalidOperationException($"components/local declares no component '{name}'");
    }

    [GeneratedRegex(@"^metadata:\s*\n\s+name:\s*(?<name>[\w-]+)", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex ComponentName();

    [GeneratedRegex(@"(?<prefix>- name: maxLenApprox\s*\n\s*value:\s*)""?\d+""?", RegexOptions.CultureInvariant)]
    private static partial Regex MaxLenValue();

    [GeneratedRegex(@"(?<prefix>value:\s*)\S*components/local/secrets\.json", RegexOptions.CultureInvariant)]
    private static partial Regex SecretsFileValue();

    // The tracing block's samplingRate line (with its line break), whose indentation the otel block takes.
    [GeneratedRegex(@"^(?<indent>[ ]+)samplingRate:[^\n]*\n", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex SamplingRateLine();
}
