using BioDapr.Launcher;
using System.Globalization;
using System.Net;
using BioDapr.Testing;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Dapr.Workflow.Registration;
using Grpc.Net.Client;

namespace BioDapr.Sidecar.WorkflowTests.Infrastructure;

/// <summary>
/// The development sidecar as its own process (app id given, no app port: workflows need none) on fixed ports with a
/// <c>state.redis</c> actor state store, so it can be killed with SIGKILL and started again where it was.
/// </summary>
internal sealed class WorkflowSidecar : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<string> _arguments;
    private ChildProcess? _process;

    private WorkflowSidecar(string appId, string directory, List<string> arguments, int httpPort, int grpcPort)
    {
        AppId = appId;
        _directory = directory;
        _arguments = arguments;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public string AppId { get; }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public string HttpEndpoint => $"http://127.0.0.1:{HttpPort}";

    public string GrpcEndpoint => $"http://127.0.0.1:{GrpcPort}";

    public string Output => _process?.Output ?? string.Empty;

    public static async Task<WorkflowSidecar> StartAsync(string appId, string redisHost, bool actorStateStore = true)
    {
        var sidecar = await CreateAsync(appId, redisHost, actorStateStore);
        await sidecar.RestartAsync();
        return sidecar;
    }

    /// <summary>
    /// A sidecar not started yet (its ports are known: start the app first when it waits for the sidecar, then
    /// <see cref="RestartAsync"/>); with <paramref name="appPort"/>, the app's callbacks are on that port.
    /// </summary>
    public static async Task<WorkflowSidecar> CreateAsync(string appId, string redisHost, bool actorStateStore = true, int? appPort = null)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-wf-").FullName;
        var resources = Path.Combine(directory, "resources");
        Directory.CreateDirectory(resources);
        await File.WriteAllTextAsync(Path.Combine(resources, "statestore.yaml"), $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              metadata:
                - name: redisHost
                  value: "{redisHost}"
                - name: actorStateStore
                  value: "{(actorStateStore ? "true" : "false")}"
            """);
        // The configuration store a cell reads its hormones from (the cortex runs against this sidecar in the evolution tests).
        await File.WriteAllTextAsync(Path.Combine(resources, "hormones.yaml"), $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: hormones
            spec:
              type: configuration.redis
              version: v1
              metadata:
                - name: redisHost
                  value: "{redisHost}"
            """);
        var httpPort = FreePort.Next();
        var grpcPort = FreePort.Next();
        var arguments = new List<string>
        {
            "--app-id", appId, "--dapr-http-port", Text(httpPort), "--dapr-grpc-port", Text(grpcPort),
            "--dapr-internal-grpc-port", Text(FreePort.Next()), "--resources-path", resources, "--log-level", "warn",
        };
        if (appPort is { } port)
        {
            arguments.AddRange(["--app-port", Text(port)]);
        }

        return new WorkflowSidecar(appId, directory, arguments, httpPort, grpcPort);
    }

    /// <summary>Starts the process (again) on the same ports and waits until it is ready.</summary>
    public async Task RestartAsync()
    {
        _process = ChildProcess.Start("BioDapr.Sidecar", _arguments, new Dictionary<string, string>
        {
            ["BIODAPR_NAME_RESOLUTION_DIR"] = Path.Combine(_directory, "nameresolution"),
        });
        using var http = new HttpClient();
        await Eventually.ReturnsAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"the sidecar exited:\n{_process.Output}");
                }

                try
                {
                    using var response = await http.GetAsync(HttpEndpoint + "/v1.0/healthz");
                    return response.StatusCode == HttpStatusCode.NoContent;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            ready => ready,
            TimeSpan.FromSeconds(60),
            "the sidecar should become ready");
    }

    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    /// <summary>The SDK's workflow client for this sidecar.</summary>
    public DaprWorkflowClient Client() => new DaprWorkflowClientBuilder().UseGrpcEndpoint(GrpcEndpoint).Build();

    /// <summary>The raw durable task client (history events as protobuf, hostile requests).</summary>
    public (TaskHubSidecarService.TaskHubSidecarServiceClient Client, GrpcChannel Channel) TaskHub()
    {
        var channel = GrpcChannel.ForAddress(GrpcEndpoint);
        return (new TaskHubSidecarService.TaskHubSidecarServiceClient(channel), channel);
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
