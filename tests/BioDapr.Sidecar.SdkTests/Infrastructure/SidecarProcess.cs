using System.Globalization;
using System.Net;
using BioDapr.Launcher;
using BioDapr.Testing;
using Dapr.Client;

namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>
/// The development sidecar as its own process (daprd's command line), with its resources in a temporary
/// directory and fixed ports, so it can be killed (SIGKILL) and started again on the same ports.
/// </summary>
internal sealed class SidecarProcess : IAsyncDisposable
{
    private readonly string _directory;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private ChildProcess? _process;

    private SidecarProcess(string appId, string directory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, int httpPort, int grpcPort)
    {
        AppId = appId;
        _directory = directory;
        _arguments = arguments;
        _environment = environment;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public string AppId { get; }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public string HttpEndpoint => $"http://127.0.0.1:{HttpPort}";

    public string GrpcEndpoint => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>What the process wrote so far (for failure messages).</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts a sidecar and waits until it is ready (or, with <paramref name="waitForApp"/> false, until its outbound API is).</summary>
    public static async Task<SidecarProcess> StartAsync(
        string appId,
        IReadOnlyDictionary<string, string> resources,
        int? appPort = null,
        string appProtocol = "http",
        string? apiToken = null,
        IEnumerable<string>? extraArguments = null,
        string? nameResolutionDirectory = null,
        bool waitForApp = true)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-sdk-").FullName;
        var resourcesDirectory = Path.Combine(directory, "resources");
        Directory.CreateDirectory(resourcesDirectory);
        foreach (var (name, content) in resources)
        {
            await File.WriteAllTextAsync(Path.Combine(resourcesDirectory, name), content);
        }

        var httpPort = FreePort.Next();
        var grpcPort = FreePort.Next();
        var arguments = new List<string>
        {
            "--app-id", appId, "--dapr-http-port", Text(httpPort), "--dapr-grpc-port", Text(grpcPort),
            "--dapr-internal-grpc-port", Text(FreePort.Next()), "--resources-path", resourcesDirectory, "--log-level", "warn",
            "--app-protocol", appProtocol,
        };
        if (appPort is { } port)
        {
            arguments.AddRange(["--app-port", Text(port)]);
        }

        arguments.AddRange(extraArguments ?? []);
        var environment = new Dictionary<string, string>
        {
            ["BIODAPR_NAME_RESOLUTION_DIR"] = nameResolutionDirectory ?? Path.Combine(directory, "nameresolution"),
        };
        if (apiToken is not null)
        {
            environment["DAPR_API_TOKEN"] = apiToken;
        }

        var sidecar = new SidecarProcess(appId, directory, arguments, environment, httpPort, grpcPort);
        await sidecar.RestartAsync(waitForApp);
        return sidecar;
    }

    /// <summary>Starts the process (again) on the same ports and waits for readiness.</summary>
    public async Task RestartAsync(bool waitForApp = true)
    {
        _process = ChildProcess.Start("BioDapr.Sidecar", _arguments, _environment);
        using var http = new HttpClient();
        var path = waitForApp ? "/v1.0/healthz" : "/v1.0/healthz/outbound";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the sidecar exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(HttpEndpoint + path);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the sidecar did not become ready:\n{Output}");
    }

    /// <summary>SIGKILL: no graceful stop, nothing acknowledged or cleaned up.</summary>
    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    /// <summary>A Dapr.Client for this sidecar (gRPC and HTTP endpoints, optional token).</summary>
    public DaprClient Client(string? apiToken = null)
    {
        var builder = new DaprClientBuilder().UseGrpcEndpoint(GrpcEndpoint).UseHttpEndpoint(HttpEndpoint);
        if (apiToken is not null)
        {
            builder.UseDaprApiToken(apiToken);
        }

        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans temporary directories.
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
