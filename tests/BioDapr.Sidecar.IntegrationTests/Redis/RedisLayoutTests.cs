using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Redis;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Redis;

/// <summary>The Redis layouts daprd's components use, checked with raw commands so daprd and this sidecar can share one Redis.</summary>
public sealed class RedisLayoutTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task State_IsAHashWithDataAndVersionUnderAppIdKey()
    {
        await using var sidecar = await StartAsync("cart");
        await using var raw = await Raw();

        await Save(sidecar, """[{"key":"basket","value":{"items":2}}]""");

        var hash = await raw.ExecuteAsync("HGETALL", ["cart||basket"], Ct);
        Fields(hash).ShouldBe(new Dictionary<string, string> { ["data"] = """{"items":2}""", ["version"] = "1" });
        using var get = await sidecar.Client.GetAsync("/v1.0/state/statestore/basket", Ct);
        get.Headers.GetValues("ETag").Single().ShouldBe("1");
    }

    [Fact]
    public async Task State_ETagConflict_Returns409_AndInvalidETag_Returns400()
    {
        await using var sidecar = await StartAsync("etags");
        await Save(sidecar, """[{"key":"k","value":1}]""");
        await Save(sidecar, """[{"key":"k","value":2,"etag":"1"}]""");

        using var stale = await sidecar.Client.PostAsync("/v1.0/state/statestore", Json("""[{"key":"k","value":3,"etag":"1"}]"""), Ct);
        using var invalid = await sidecar.Client.PostAsync("/v1.0/state/statestore", Json("""[{"key":"k","value":3,"etag":"abc"}]"""), Ct);

        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var current = await sidecar.Client.GetAsync("/v1.0/state/statestore/k", Ct);
        (await current.Content.ReadAsStringAsync(Ct)).ShouldBe("2");
    }

    [Fact]
    public async Task State_TransactionWithStaleETag_Returns500()
    {
        await using var sidecar = await StartAsync("tx");
        await Save(sidecar, """[{"key":"a","value":1}]""");

        using var response = await sidecar.Client.PostAsync(
            "/v1.0/state/statestore/transaction",
            Json("""{"operations":[{"operation":"upsert","request":{"key":"a","value":5,"etag":"9"}}]}"""),
            Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_STATE_TRANSACTION");
    }

    [Fact]
    public async Task State_WrittenByDaprLayoutDirectly_IsReadable()
    {
        await using var sidecar = await StartAsync("shared");
        await using var raw = await Raw();
        await raw.ExecuteAsync("HSET", ["shared||from-daprd", "data", "\"hello\"", "version", "7"], Ct);

        using var response = await sidecar.Client.GetAsync("/v1.0/state/statestore/from-daprd", Ct);

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("\"hello\"");
        response.Headers.GetValues("ETag").Single().ShouldBe("7");
    }

    [Fact]
    public async Task Publish_WritesDataAndMetadataFieldsToTheTopicStream()
    {
        await using var sidecar = await StartAsync("shop");
        await using var raw = await Raw();
        var topic = "t" + Guid.NewGuid().ToString("N");

        using var response = await sidecar.Client.PostAsync($"/v1.0/publish/pubsub/{topic}?metadata.priority=high", Json("""{"n":1}"""), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var entries = await raw.ExecuteAsync("XRANGE", [topic, "-", "+"], Ct);
        var fields = Fields(entries.Items.Single().Items[1]);
        JsonDocument.Parse(fields["data"]).RootElement.GetProperty("data").GetProperty("n").GetInt32().ShouldBe(1);
        JsonDocument.Parse(fields["metadata"]).RootElement.GetProperty("priority").GetString().ShouldBe("high");
    }

    [Fact]
    public async Task Subscribe_CreatesGroupNamedAfterTheAppFromIdZero_SoALateSubscriberGetsEarlierMessages()
    {
        var topic = "late" + Guid.NewGuid().ToString("N");
        await using var raw = await Raw();
        await raw.ExecuteAsync("XADD", [topic, "*", "data", """{"id":"1","specversion":"1.0","type":"t","source":"s","data":"early"}""", "metadata", "{}"], Ct);
        await using var app = await TestApp.StartAsync();
        await using var sidecar = await StartAsync("late-reader", app.Port, Yaml.Subscription("pubsub", topic, "/in"));
        await sidecar.WaitUntilReadyAsync();

        await Eventually.TrueAsync(() => app.RequestsTo("/in").Count == 1);
        var groups = await raw.ExecuteAsync("XINFO", ["GROUPS", topic], Ct);
        Fields(groups.Items.Single())["name"].ShouldBe("late-reader");
        await Eventually.ReturnsAsync(
            async () => (await raw.ExecuteAsync("XPENDING", [topic, "late-reader"], Ct)).Items[0].Number,
            pending => pending == 0,
            because: "the delivered message is acknowledged");
    }

    [Fact]
    public async Task Configuration_ValueAndVersion_AreReadFromValueBarBarVersion()
    {
        await using var sidecar = await StartAsync("cfg");
        await using var raw = await Raw();
        var key = "k" + Guid.NewGuid().ToString("N");
        await raw.ExecuteAsync("SET", [key, "42||v3"], Ct);

        using var response = await sidecar.Client.GetAsync($"/v1.0/configuration/hormones?key={key}", Ct);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        json.RootElement.GetProperty(key).GetProperty("value").GetString().ShouldBe("42");
        json.RootElement.GetProperty(key).GetProperty("version").GetString().ShouldBe("v3");
    }

    [Fact]
    public async Task Configuration_ChangeInRedis_ReachesTheRunningAppOncePerKey()
    {
        await using var app = await TestApp.StartAsync();
        await using var sidecar = await StartAsync("hormonal", app.Port);
        await sidecar.WaitUntilReadyAsync();
        await using var raw = await Raw();
        var key = "orders.maxQuantity." + Guid.NewGuid().ToString("N");
        using var subscribe = await sidecar.Client.GetAsync($"/v1.0/configuration/hormones/subscribe?key={key}", Ct);
        var id = JsonDocument.Parse(await subscribe.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();

        await raw.ExecuteAsync("SET", [key, "7||2"], Ct);

        await Eventually.TrueAsync(() => app.RequestsTo($"/configuration/hormones/{key}").Count == 1);
        using var update = JsonDocument.Parse(app.RequestsTo($"/configuration/hormones/{key}")[0].Body);
        update.RootElement.GetProperty("id").GetString().ShouldBe(id);
        update.RootElement.GetProperty("items").GetProperty(key).GetProperty("value").GetString().ShouldBe("7");

        await raw.ExecuteAsync("DEL", [key], Ct);
        await Eventually.TrueAsync(() => app.RequestsTo($"/configuration/hormones/{key}").Count == 2);
        using var deleted = JsonDocument.Parse(app.RequestsTo($"/configuration/hormones/{key}")[1].Body);
        deleted.RootElement.GetProperty("items").GetProperty(key).EnumerateObject().ShouldBeEmpty();

        using var unsubscribe = await sidecar.Client.GetAsync($"/v1.0/configuration/hormones/{id}/unsubscribe", Ct);
        (await unsubscribe.Content.ReadAsStringAsync(Ct)).ShouldContain("\"ok\":true");
        using var unknown = await sidecar.Client.GetAsync($"/v1.0/configuration/hormones/nope/unsubscribe", Ct);
        unknown.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
    }

    [Fact]
    public async Task Configuration_Subscribe_WithoutAppPort_Returns500AppChannelNil()
    {
        await using var sidecar = await StartAsync("no-app");

        using var response = await sidecar.Client.GetAsync("/v1.0/configuration/hormones/subscribe?key=x", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_APP_CHANNEL_NIL");
    }

    [Fact]
    public async Task Component_WithUnreachableRedis_StopsStartupNamingTheComponent()
    {
        var error = await Should.ThrowAsync<Runtime.SidecarStartupException>(() => TestSidecar.StartAsync(
            "broken",
            new Dictionary<string, string> { ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", $"127.0.0.1:{FreePort.Next()}"), ("dialTimeout", "300ms")) }));

        error.Message.ShouldContain("component 'statestore' (state.redis)");
        error.Message.ShouldContain("state.yaml");
    }

    internal Task<TestSidecar> StartAsync(string appId, int? appPort = null, params string[] extra)
    {
        var resources = new Dictionary<string, string>
        {
            ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", ("redisHost", redis.Host)),
            ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host), ("actorStateStore", "true")),
            ["hormones.yaml"] = Yaml.Component("hormones", "configuration.redis", ("redisHost", redis.Host)),
        };
        for (var i = 0; i < extra.Length; i++)
        {
            resources[$"extra{i}.yaml"] = extra[i];
        }

        return TestSidecar.StartAsync(appId, resources, appPort);
    }

    private Task<RedisConnection> Raw() => RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);

    private static async Task Save(TestSidecar sidecar, string body)
    {
        using var response = await sidecar.Client.PostAsync("/v1.0/state/statestore", Json(body), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync(Ct));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    internal static Dictionary<string, string> Fields(RedisReply flat)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Items.Count; i += 2)
        {
            fields[flat.Items[i].AsString()!] = flat.Items[i + 1].AsString()!;
        }

        return fields;
    }

    internal static Task Reply(HttpContext context, string body, int status = 200)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(body);
    }
}
