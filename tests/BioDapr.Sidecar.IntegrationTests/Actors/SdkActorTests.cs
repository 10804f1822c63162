using BioDapr.Cell.Hosting;
using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Actors.Runtime;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.IntegrationTests.Actors;

/// <summary>A cell hosting and calling actors with the official Dapr.Actors SDK through the development sidecar over a real Redis.</summary>
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

    public sealed class Counter(ActorHost host) : Actor(host), ICounter, IRemindable
    {
        public async Task<int> IncrementAsync(int by)
        {
            var stored = await StateManager.TryGetStateAsync<int>("value");
            var value = (stored.HasValue ? stored.Value : 0) + by;
            await StateManager.SetStateAsync("value", value);
            return value;
        }

        public async Task<int> ValueAsync()
        {
            var stored = await StateManager.TryGetStateAsync<int>("value");
            return stored.HasValue ? stored.Value : 0;
        }

        public Task<int> BumpThroughPeerAsync(string peerId) => ProxyFactory.CreateActorProxy<ICounter>(new ActorId(peerId), "Counter").IncrementAsync(100);

        public Task StartRemindingAsync() => RegisterReminderAsync("tick", [5], TimeSpan.Zero, TimeSpan.FromMilliseconds(300));

        public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
        {
            var value = await IncrementAsync(state is [var by] ? by : 1);
            if (value >= 15)
            {
                await UnregisterReminderAsync(reminderName);
            }
        }
    }

    [Fact]
    public async Task ConcurrentIncrements_OnOneActor_AreSerialized_AndTheStateIsInRedis()
    {
        await using var organism = await StartAsync("counters");
        var proxy = organism.Proxies.CreateActorProxy<ICounter>(new ActorId("c-" + Guid.NewGuid().ToString("N")[..6]), "Counter");

        var results = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => proxy.IncrementAsync(1)));

        results.Order().ShouldBe(Enumerable.Range(1, 25));
        (await proxy.ValueAsync()).ShouldBe(25);
    }

    [Fact]
    public async Task AnActorCallsAnother_AndAReminderDrivesState()
    {
        await using var organism = await StartAsync("reminding");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var caller = organism.Proxies.CreateActorProxy<ICounter>(new ActorId("caller-" + suffix), "Counter");
        var peer = organism.Proxies.CreateActorProxy<ICounter>(new ActorId("peer-" + suffix), "Counter");

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
            ["DAPR_HTTP_ENDPOINT"] = sidecar.Client.BaseAddress!.ToString().TrimEnd('/'),
            ["Cell:Name"] = appId,
        });
        builder.AddCellDefaults();
        builder.Services.AddActors(options => options.Actors.RegisterActor<Counter>());
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
