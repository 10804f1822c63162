using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Redis;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;

namespace BioDapr.Sidecar.IntegrationTests.Redis;

/// <summary>
/// The store restarts under load (redis-server stopped and started on the same port, with an append-only
/// file so its data survives): configuration subscriptions get their keyspace notifications back, stream
/// consumers carry on, and no message the sidecar accepted is lost.
/// </summary>
public sealed class RedisRestartTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new() { AppendOnly = true };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _redis.InitializeAsync();

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task RedisRestartUnderLoad_HormonesStillApply_AndNoAcceptedMessageIsLost()
    {
        const int Messages = 400;
        var topic = "restart-" + Guid.NewGuid().ToString("N");
        var key = "restart.hormone." + Guid.NewGuid().ToString("N");
        var delivered = new ConcurrentDictionary<int, int>();
        var hormones = new ConcurrentQueue<string>();
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) =>
        {
            if (request.PathAndQuery == "/in")
            {
                using var envelope = JsonDocument.Parse(request.Body);
                delivered.AddOrUpdate(envelope.RootElement.GetProperty("data").GetProperty("n").GetInt32(), 1, (_, count) => count + 1);
            }
            else if (request.PathAndQuery.StartsWith("/configuration/hormones/", StringComparison.Ordinal))
            {
                using var update = JsonDocument.Parse(request.Body);
                if (update.RootElement.GetProperty("items").GetProperty(key).TryGetProperty("value", out var value))
                {
                    hormones.Enqueue(value.GetString()!);
                }
            }

            return Task.CompletedTask;
        };

        var components = new Dictionary<string, string>
        {
            // Redelivery is quick here so a message whose ACK was lost in the restart comes back within the test.
            ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", ("redisHost", _redis.Host), ("processingTimeout", "2s"), ("redeliverInterval", "500ms")),
            ["hormones.yaml"] = Yaml.Component("hormones", "configuration.redis", ("redisHost", _redis.Host)),
            ["sub.yaml"] = Yaml.Subscription("pubsub", topic, "/in"),
        };
        await using var consumer = await TestSidecar.StartAsync("consumer", components, app.Port);
        await consumer.WaitUntilReadyAsync();
        await using var producer = await TestSidecar.StartAsync("producer", new Dictionary<string, string> { ["pubsub.yaml"] = components["pubsub.yaml"] });
        using (var subscribe = await consumer.Client.GetAsync($"/v1.0/configuration/hormones/subscribe?key={key}", Ct))
        {
            subscribe.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        await using (var before = await RedisConnection.ConnectAsync(new RedisOptions { Port = _redis.Port }, Ct))
        {
            await before.ExecuteAsync("SET", [key, "before||1"], Ct);
        }

        await Eventually.TrueAsync(() => hormones.Contains("before"), TimeSpan.FromSeconds(10), "the hormone applies before the restart");

        // The load: a publisher that retries what the sidecar refused while the store was away.
        var accepted = new ConcurrentBag<int>();
        var published = 0;
        var load = Task.Run(
            async () =>
            {
                for (var n = 0; n < Messages; n++)
                {
                    while (true)
                    {
                        using var response = await producer.Client.PostAsync(
                            $"/v1.0/publish/pubsub/{topic}", new StringContent($$"""{"n":{{n}}}""", Encoding.UTF8, "application/json"), Ct);
                        if (response.StatusCode == HttpStatusCode.NoContent)
                        {
                            accepted.Add(n);
                            Interlocked.Increment(ref published);
                            break;
                        }

                        await Task.Delay(50, Ct);
                    }
                }
            },
            Ct);

        await Eventually.TrueAsync(() => Volatile.Read(ref published) >= Messages / 4, TimeSpan.FromSeconds(30), "the load runs before the restart");
        await _redis.RestartAsync(Ct);
        await load.WaitAsync(TimeSpan.FromSeconds(90), Ct);

        await using (var after = await RedisConnection.ConnectAsync(new RedisOptions { Port = _redis.Port }, Ct))
        {
            (await after.ExecuteAsync("GET", [key], Ct)).AsString().ShouldBe("before||1", "the AOF kept the data");
            await after.ExecuteAsync("SET", [key, "after||2"], Ct);
        }

        await Eventually.TrueAsync(() => hormones.Contains("after"), TimeSpan.FromSeconds(15), "a hormone changed after the restart reaches the app");
        await Eventually.TrueAsync(
            () => accepted.All(delivered.ContainsKey),
            TimeSpan.FromSeconds(30),
            "every message the sidecar accepted is delivered");
        accepted.Count.ShouldBe(Messages);
    }
}
