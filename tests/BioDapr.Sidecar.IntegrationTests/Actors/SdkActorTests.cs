using System.Text.Json;
using BioDapr.Cell.Actors;
using BioDapr.Cell.Hosting;
using BioDapr.Client;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.IntegrationTests.Actors;

/// <summary>A cell written with the SDK, hosting and calling actors through the development sidecar over a real Redis.</summary>
public sealed class SdkActorTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public interface ICounter : IActor
    {
        Task<int> IncrementAsync(int by);

        Task<int> ValueAsync();

        Task<int> BumpThroughPeerAsync(string peerId);

        Task StartRemindingAsync();
    }

    public sealed class Counter : Actor, ICounter, IRemindable
    {
        public async Task<int> IncrementAsync(int by)
        {
            var value = await StateManager.GetStateOrDefaultAsync("value", 0) + by;
            await StateManager.SetStateAsync("value", value);
            return value;
        }

        public Task<int> ValueAsync() => StateManager.GetStateOrDefaultAsync("value", 0);

        public Task<int> BumpThroughPeerAsync(string peerId) => Proxies.Create<ICounter>(ActorType, peerId).IncrementAsync(100);

        public Task StartRemindingAsync() => RegisterReminderAsync("tick", ActorReminder.Every(TimeSpan.FromMilliseconds(300), TimeSpan.Zero, JsonSerializer.SerializeToElement(5)));

        public async Task ReceiveReminderAsync(string reminderName, JsonElement? data, CancellationToken cancellationToken)
        {
            var value = await IncrementAsync(data?.GetInt32() ?? 1);
            if (value >= 15)
            {
                await UnregisterReminderAsync(reminderName, cancellationToken);
            }
        }
    }

    [Fact]
    public async Task ConcurrentIncrements_OnOneActor_AreSerialized_AndTheStateIsInRedis()
    {
        await using var organism = await StartAsync("counters");
        var proxy = organism.Proxies.Create<ICounter>("Counter", "c-" + Guid.NewGuid().ToString("N")[..6]);

        var results = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => proxy.IncrementAsync(1)));

        results.Order().ShouldBe(Enumerable.Range(1, 25));
        (await proxy.ValueAsync()).ShouldBe(25);
    }

    [Fact]
    public async Task AnActorCallsAnother_AndAReminderDrivesState()
    {
        await using var organism = await StartAsync("reminding");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var caller = organism.Proxies.Create<ICounter>("Counter", "caller-" + suffix);
        var peer = organism.Proxies.Create<ICounter>("Counter", "peer-" + suffix);

        (await caller.BumpThroughPeerAsync("peer-" + suffix)).ShouldBe(100);
        await caller.StartRemindingAsync();

        (await peer.ValueAsync()).ShouldBe(100);
        await Eventually.ReturnsAsync(() => caller.ValueAsync(), v => v == 15, because: "three reminder firings add 5 each, then the actor unregisters it");
    }

    private async Task<Organism> StartAsync(string appId)
    {
        var appPort = FreePort.Next();
        var sidecar = await TestSidecar.StartAsync(
            appId,
            new Dictionary<string, string> { ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host), ("actorStateStore", "true")) },
            appPort);
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{appPort}");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dapr:HttpEndpoint"] = sidecar.Client.BaseAddress!.ToString(),
            ["Cell:Name"] = appId,
        });
        builder.AddCellDefaults();
        builder.Services.AddActors(options => options.RegisterActor<ICounter, Counter>());
        var app = builder.Build();
        app.UseCellDefaults();
        app.MapCellDefaultEndpoints();
        await app.StartAsync(Ct);
        await sidecar.WaitUntilReadyAsync();
        return new Organism(sidecar, app);
    }

    private sealed class Organism(TestSidecar sidecar, WebApplication app) : IAsyncDisposable
    {
        public IActorProxyFactory Proxies => app.Services.GetRequiredService<IActorProxyFactory>();

        public async ValueTask DisposeAsync()
        {
            await sidecar.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
