using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Launcher;

/// <summary>
/// The standalone Aspire dashboard (an OpenTelemetry viewer: traces, structured logs, metrics) as a process of its own,
/// run from the restored <c>Aspire.Dashboard.Sdk.linux-x64</c> package. It receives OTLP over HTTP and gRPC on loopback
/// without authentication (the sidecars' <c>spec.tracing.otel</c> cannot send a header), serves its UI behind a browser
/// token (<see cref="LoginUrl"/> logs a browser in) and its telemetry HTTP API behind <see cref="ApiKey"/>.
/// <c>./biodapr up --telemetry</c> starts the same binary with the same settings on the documented ports
/// (UI 18888, OTLP/gRPC 4317, OTLP/HTTP 4318); tests use free ports.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private Process? _process;

    /// <summary>The UI's port (and the telemetry API's).</summary>
    public int FrontendPort { get; init; } = LoopbackPorts.Next();

    /// <summary>The OTLP/HTTP receiver's port (<c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>).</summary>
    public int OtlpHttpPort { get; init; } = LoopbackPorts.Next();

    /// <summary>The OTLP/gRPC receiver's port.</summary>
    public int OtlpGrpcPort { get; init; } = LoopbackPorts.Next();

    /// <summary>The browser token of the UI (a fresh random one per dashboard).</summary>
    public string BrowserToken { get; } = NewSecret();

    /// <summary>The key of the telemetry HTTP API (<c>X-API-Key</c>; a fresh random one per dashboard).</summary>
    public string ApiKey { get; } = NewSecret();

    /// <summary>The UI's address.</summary>
    public Uri Url => new($"http://127.0.0.1:{FrontendPort}");

    /// <summary>Opening this address logs a browser in (it sets the dashboard's cookie) and shows the UI.</summary>
    public Uri LoginUrl => new(Url, "/login?t=" + BrowserToken);

    /// <summary>The OTLP/HTTP endpoint (for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> with <c>http/protobuf</c>).</summary>
    public Uri OtlpHttpEndpoint => new($"http://127.0.0.1:{OtlpHttpPort}");

    /// <summary>
    /// The standard OpenTelemetry settings that send an app's telemetry here over OTLP/HTTP, with a short span batch delay
    /// so a trace shows up within a second.
    /// </summary>
    public IReadOnlyDictionary<string, string> ExporterEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpHttpEndpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };

    /// <summary>Everything the dashboard printed so far.</summary>
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

    /// <summary>How long <see cref="StartAsync"/> waits for the dashboard to listen (default 2 minutes: a shared machine).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The dashboard's executable in the restored package (a single-file, self-contained build): the package folder is
    /// recorded at build time; <c>BIODAPR_ASPIRE_DASHBOARD</c> points at another executable.
    /// </summary>
    public static string Executable
    {
        get
        {
            if (Environment.GetEnvironmentVariable("BIODAPR_ASPIRE_DASHBOARD") is { Length: > 0 } path)
            {
                return path;
            }

            var package = typeof(AspireDashboard).Assembly
                .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>()
                .Single(a => a.Key == "AspireDashboardPackage").Value;
            if (string.IsNullOrEmpty(package))
            {
                throw new InvalidOperationException("the Aspire dashboard package was not restored with this build (Aspire.Dashboard.Sdk.linux-x64 in tools/BioDapr.Launcher): run dotnet restore");
            }

            return Path.Combine(package, "tools", "Aspire.Dashboard");
        }
    }

    /// <summary>
    /// The dashboard's settings (environment variables, as its documentation names them) for the given ports, browser
    /// token and API key. <c>./biodapr</c> sets the same ones.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Settings(int frontendPort, int otlpGrpcPort, int otlpHttpPort, string browserToken, string apiKey) =>
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{frontendPort}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{otlpGrpcPort}",
            ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{otlpHttpPort}",
            // Loopback only, and the sidecars' OTLP exporter (Configuration spec.tracing.otel) has no header to send a key with.
            ["Dashboard__Otlp__AuthMode"] = "Unsecured",
            ["Dashboard__Frontend__AuthMode"] = "BrowserToken",
            ["Dashboard__Frontend__BrowserToken"] = browserToken,
            ["Dashboard__Api__Enabled"] = "true",
            ["Dashboard__Api__AuthMode"] = "ApiKey",
            ["Dashboard__Api__PrimaryApiKey"] = apiKey,
        };

    /// <summary>Starts the dashboard; returns once its UI and both OTLP receivers accept connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = Executable;
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"the Aspire dashboard is not at {executable}: restore tools/BioDapr.Launcher (dotnet restore) first", executable);
        }

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(executable)!,
        };
        foreach (var (name, value) in Settings(FrontendPort, OtlpGrpcPort, OtlpHttpPort, BrowserToken, ApiKey))
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!Listening(FrontendPort) || !Listening(OtlpHttpPort) || !Listening(OtlpGrpcPort))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the Aspire dashboard exited during startup (code {_process.ExitCode}):\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the Aspire dashboard did not listen within {StartTimeout.TotalSeconds:0} s; it printed:\n{Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// One trace as the dashboard holds it, from its telemetry HTTP API (<c>GET /api/telemetry/traces/{traceId}</c>, OTLP
    /// JSON); null while the dashboard has no span of it.
    /// </summary>
    public async Task<JsonDocument?> TraceAsync(string traceId, CancellationToken cancellationToken = default) =>
        await GetAsync("/api/telemetry/traces/" + Uri.EscapeDataString(traceId), cancellationToken);

    /// <summary>
    /// The latest spans the dashboard holds (<c>GET /api/telemetry/spans</c>, OTLP JSON), at most <paramref name="limit"/>,
    /// optionally of one resource (service name); null when the dashboard knows no such resource yet.
    /// </summary>
    public async Task<JsonDocument?> SpansAsync(string? resource = null, int limit = 1000, CancellationToken cancellationToken = default) =>
        await GetAsync(
            "/api/telemetry/spans?limit=" + limit.ToString(CultureInfo.InvariantCulture) + (resource is null ? string.Empty : "&resource=" + Uri.EscapeDataString(resource)),
            cancellationToken);

    /// <summary>Stops the dashboard (SIGTERM, then SIGKILL after 10 s).</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            LocalOrganism.Terminate(_process.Id);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private async Task<JsonDocument?> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Url, pathAndQuery));
        request.Headers.Add("X-API-Key", ApiKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the Aspire dashboard answered {(int)response.StatusCode} to GET {pathAndQuery}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

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
}
