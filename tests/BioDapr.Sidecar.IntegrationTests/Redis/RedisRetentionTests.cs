using System.Net;
using System.Text;
using BioDapr.Redis;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;

namespace BioDapr.Sidecar.IntegrationTests.Redis;

/// <summary>
/// Recycling on a real redis-server as daprd does it: <c>pubsub.redis</c>'s <c>maxLenApprox</c> trims each topic stream on
/// publish (<c>XADD MAXLEN ~</c>); <c>state.redis</c>'s <c>ttlInSeconds</c> (request metadata, or the component's default)
/// becomes <c>EXPIRE</c> (a value &lt;= 0 <c>PERSIST</c>) on save, bulk save and transactions.
/// </summary>
public sealed class RedisRetentionTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_WithMaxLenApprox_KeepsTheStreamNearTheLimit()
    {
        await using var sidecar = await StartAsync("trimmed", ("maxLenApprox", "100"));
        await using var raw = await Raw();
        var topic = "t" + Guid.NewGuid().ToString("N");

        for (var i = 0; i < 600; i++)
        {
            using var response = await sidecar.Client.PostAsync($"/v1.0/publish/pubsub/{topic}", Json($$"""{"n":{{i}}}"""), Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // Approximate trimming removes whole stream nodes (100 entries each by default): never below the limit, never far above.
        var length = (await raw.ExecuteAsync("XLEN", [topic], Ct)).AsInt64();
        length.ShouldBeInRange(100, 200);
        var newest = await raw.ExecuteAsync("XREVRANGE", [topic, "+", "-", "COUNT", 1], Ct);
        newest.Items.Single().Items[1].Items[1].AsString()!.ShouldContain("\"n\":599");
    }

    [Fact]
    public async Task Publish_WithoutMaxLenApprox_KeepsEveryEntry()
    {
        await using var sidecar = await StartAsync("untrimmed");
        await using var raw = await Raw();
        var topic = "t" + Guid.NewGuid().ToString("N");

        for (var i = 0; i < 250; i++)
        {
            using var response = await sidecar.Client.PostAsync($"/v1.0/publish/pubsub/{topic}", Json("1"), Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        (await raw.ExecuteAsync("XLEN", [topic], Ct)).AsInt64().ShouldBe(250);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("lots")]
    public async Task Component_WithBadMaxLenApprox_StopsStartupNamingTheMetadata(string value)
    {
        var error = await Should.ThrowAsync<Runtime.SidecarStartupException>(() => StartAsync("bad-maxlen", ("maxLenApprox", value)));

        error.Message.ShouldContain("maxLenApprox");
        error.Message.ShouldContain(value);
    }

    [Fact]
    public async Task Save_WithTtlInSeconds_ExpiresTheKeyInRedis()
    {
        await using var sidecar = await StartAsync("ttl-save");
        await using var raw = await Raw();

        await Send(sidecar, "/v1.0/state/statestore", """[{"key":"short","value":"gone soon","metadata":{"ttlInSeconds":"1"}}]""", HttpStatusCode.NoContent);

        (await raw.ExecuteAsync("PTTL", ["ttl-save||short"], Ct)).AsInt64().ShouldBeInRange(1, 1000);
        await Eventually.ReturnsAsync(
            async () => (await sidecar.Client.GetAsync("/v1.0/state/statestore/short", Ct)).StatusCode,
            status => status == HttpStatusCode.NoContent,
            TimeSpan.FromSeconds(10),
            "Redis expires the key after its ttlInSeconds");
    }

    [Fact]
    public async Task BulkSave_AppliesEachItemsOwnTtl_AndANonPositiveTtlPersists()
    {
        await using var sidecar = await StartAsync("ttl-bulk");
        await using var raw = await Raw();
        await Send(sidecar, "/v1.0/state/statestore", """[{"key":"c","value":0,"metadata":{"ttlInSeconds":"500"}}]""", HttpStatusCode.NoContent);

        await Send(
            sidecar,
            "/v1.0/state/statestore",
            """[{"key":"a","value":1,"metadata":{"ttlInSeconds":"100"}},{"key":"b","value":2},{"key":"c","value":3,"metadata":{"ttlInSeconds":"-1"}}]""",
            HttpStatusCode.NoContent);

        (await Ttl(raw, "ttl-bulk||a")).ShouldBeInRange(1, 100);
        (await Ttl(raw, "ttl-bulk||b")).ShouldBe(-1);
        (await Ttl(raw, "ttl-bulk||c")).ShouldBe(-1, "ttlInSeconds -1 removes the earlier expiry (PERSIST)");
    }

    [Fact]
    public async Task Transaction_UpsertWithTtl_SetsTheExpiryAtomicallyWithTheWrite()
    {
        await using var sidecar = await StartAsync("ttl-tx");
        await using var raw = await Raw();

        await Send(
            sidecar,
            "/v1.0/state/statestore/transaction",
            """{"operations":[{"operation":"upsert","request":{"key":"x","value":1,"metadata":{"ttlInSeconds":"60"}}},{"operation":"upsert","request":{"key":"y","value":2}}]}""",
            HttpStatusCode.NoContent);

        (await Ttl(raw, "ttl-tx||x")).ShouldBeInRange(1, 60);
        (await Ttl(raw, "ttl-tx||y")).ShouldBe(-1);
    }

    [Fact]
    public async Task ComponentTtl_IsTheDefault_AndRequestMetadataOverridesIt()
    {
        await using var sidecar = await StartAsync("ttl-default", stateMetadata: [("ttlInSeconds", "300")]);
        await using var raw = await Raw();

        await Send(
            sidecar,
            "/v1.0/state/statestore",
            """[{"key":"default","value":1},{"key":"own","value":2,"metadata":{"ttlInSeconds":"20"}},{"key":"kept","value":3,"metadata":{"ttlInSeconds":"0"}}]""",
            HttpStatusCode.NoContent);

        (await Ttl(raw, "ttl-default||default")).ShouldBeInRange(21, 300);
        (await Ttl(raw, "ttl-default||own")).ShouldBeInRange(1, 20);
        (await Ttl(raw, "ttl-default||kept")).ShouldBe(-1);
    }

    [Fact]
    public async Task Save_WithBadTtl_Returns500NamingTheValue_AndWritesNothing()
    {
        await using var sidecar = await StartAsync("ttl-bad");
        await using var raw = await Raw();

        var body = await Send(sidecar, "/v1.0/state/statestore", """[{"key":"k","value":1,"metadata":{"ttlInSeconds":"soon"}}]""", HttpStatusCode.InternalServerError);

        body.ShouldContain("ERR_STATE_SAVE");
        body.ShouldContain("ttlInSeconds 'soon'");
        (await raw.ExecuteAsync("EXISTS", ["ttl-bad||k"], Ct)).AsInt64().ShouldBe(0);
    }

    [Fact]
    public async Task Transaction_WithBadTtl_Returns500_AndAppliesNoOperation()
    {
        await using var sidecar = await StartAsync("ttl-bad-tx");
        await using var raw = await Raw();

        var body = await Send(
            sidecar,
            "/v1.0/state/statestore/transaction",
            """{"operations":[{"operation":"upsert","request":{"key":"first","value":1}},{"operation":"upsert","request":{"key":"second","value":2,"metadata":{"ttlInSeconds":"1.5"}}}]}""",
            HttpStatusCode.InternalServerError);

        body.ShouldContain("ERR_STATE_TRANSACTION");
        body.ShouldContain("ttlInSeconds '1.5'");
        (await raw.ExecuteAsync("EXISTS", ["ttl-bad-tx||first", "ttl-bad-tx||second"], Ct)).AsInt64().ShouldBe(0);
    }

    private Task<TestSidecar> StartAsync(string appId, params (string Name, string Value)[] pubsubMetadata) => StartAsync(appId, pubsubMetadata, []);

    private Task<TestSidecar> StartAsync(string appId, (string Name, string Value)[]? pubsubMetadata = null, (string Name, string Value)[]? stateMetadata = null) =>
        TestSidecar.StartAsync(appId, new Dictionary<string, string>
        {
            ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", [("redisHost", redis.Host), .. pubsubMetadata ?? []]),
            ["state.yaml"] = Yaml.Component("statestore", "state.redis", [("redisHost", redis.Host), .. stateMetadata ?? []]),
        });

    private Task<RedisConnection> Raw() => RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);

    private static async Task<long> Ttl(RedisConnection raw, string key) => (await raw.ExecuteAsync("TTL", [key], Ct)).AsInt64();

    private static async Task<string> Send(TestSidecar sidecar, string path, string body, HttpStatusCode expected)
    {
        using var response = await sidecar.Client.PostAsync(path, Json(body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(expected, text);
        return text;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
