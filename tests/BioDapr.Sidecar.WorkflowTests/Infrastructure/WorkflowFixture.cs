using BioDapr.Redis;
using BioDapr.Testing;
using BioDapr.WorkflowApp;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;

namespace BioDapr.Sidecar.WorkflowTests.Infrastructure;

/// <summary>
/// A redis-server, a development sidecar process (app id <c>wf</c>) and, in this process, the workflow app's worker
/// (<see cref="WorkflowAppHost"/>, the SDK's <c>AddDaprWorkflow</c>) connected to it; plus the SDK's client.
/// </summary>
public sealed class WorkflowFixture : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private IHost? _worker;
    private GrpcChannel? _channel;

    internal WorkflowSidecar Sidecar { get; private set; } = null!;

    public DaprWorkflowClient Client { get; private set; } = null!;

    public TaskHubSidecarService.TaskHubSidecarServiceClient TaskHub { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public RedisConnection Redis { get; private set; } = null!;

    public string RedisHost => _redis.Host;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        Sidecar = await WorkflowSidecar.StartAsync("wf", _redis.Host);
        _worker = WorkflowAppHost.Create(Sidecar.GrpcEndpoint);
        await _worker.StartAsync();
        Client = Sidecar.Client();
        (TaskHub, _channel) = Sidecar.TaskHub();
        Http = new HttpClient { BaseAddress = new Uri(Sidecar.HttpEndpoint) };
        Redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = _redis.Port }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync();
            _worker.Dispose();
        }

        await Client.DisposeAsync();
        _channel?.Dispose();
        Http.Dispose();
        await Redis.DisposeAsync();
        await Sidecar.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>The stored history of an instance (protobuf events, as the sidecar returns them).</summary>
    public async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string instanceId) =>
        (await TaskHub.GetInstanceHistoryAsync(new GetInstanceHistoryRequest { InstanceId = instanceId }, cancellationToken: TestContext.Current.CancellationToken)).Events;
}
