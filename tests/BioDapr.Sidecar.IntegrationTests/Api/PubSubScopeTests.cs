using System.Net;
using System.Text;
using BioDapr.Redis;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>
/// The organism's own pubsub component (components/local/pubsub.yaml) under real sidecars: a cell can only
/// publish and subscribe the topics its scopes give it, and a refused publish is answered as daprd answers it.
/// </summary>
public sealed class PubSubScopeTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private const string Forbidden = "topic payments is not allowed for app id notifications";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ForgedPaymentFailed_PublishedByTheNotificationsSidecar_IsRefusedAsDaprdRefusesIt()
    {
        await using var notifications = await StartAsync("notifications");
        var before = await StreamLengthAsync("payments");

        using var response = await notifications.Client.PostAsync(
            "/v1.0/publish/pubsub/payments",
            new StringContent("""{"orderId":"o-1","reason":"forged"}""", Encoding.UTF8, "application/json"),
            Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe(
            "{\"errorCode\":\"ERR_PUBSUB_FORBIDDEN\",\"message\":\"" + Forbidden + "\",\"details\":["
            + "{\"@type\":\"type.googleapis.com/google.rpc.ResourceInfo\",\"description\":\"" + Forbidden + "\",\"owner\":\"\",\"resource_name\":\"pubsub\",\"resource_type\":\"pubsub\"},"
            + "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"domain\":\"dapr.io\",\"metadata\":{\"error\":\"" + Forbidden + "\",\"topic\":\"payments\"},\"reason\":\"DAPR_PUBSUB_FORBIDDEN\"}]}");
        (await StreamLengthAsync("payments")).ShouldBe(before, "nothing reached the payments stream");
    }

    [Fact]
    public async Task BulkPublishOnAnotherCellsTopic_IsRefusedBeforeAnyEntryIsWritten()
    {
        await using var orders = await StartAsync("orders");
        var before = await StreamLengthAsync("payments");

        using var response = await orders.Client.PostAsync(
            "/v1.0-alpha1/publish/bulk/pubsub/payments",
            new StringContent("""[{"entryId":"1","event":{"orderId":"o-2"},"contentType":"application/json"}]""", Encoding.UTF8, "application/json"),
            Ct);

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.Forbidden, "ERR_PUBSUB_FORBIDDEN");
        body.ShouldContain("topic payments is not allowed for app id orders");
        (await StreamLengthAsync("payments")).ShouldBe(before);
    }

    [Fact]
    public async Task EachCell_PublishesItsOwnTopic_WithItsAppIdAsTheEventSource()
    {
        await using var payments = await StartAsync("payments");

        using var response = await payments.Client.PostAsync(
            "/v1.0/publish/pubsub/payments", new StringContent("""{"orderId":"o-3"}""", Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await using var raw = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        var last = await raw.ExecuteAsync("XREVRANGE", ["payments", "+", "-", "COUNT", 1], Ct);
        last.Items[0].Items[1].Items[1].AsString()!.ShouldContain("\"source\":\"payments\"");
    }

    [Fact]
    public async Task AppAskingToSubscribeToATopicOutsideItsScopes_IsNotSubscribed()
    {
        var subscribeToOrders = """[{"pubsubname":"pubsub","topic":"orders","route":"/orders"}]""";
        await using var gatewayApp = await TestApp.StartAsync();
        gatewayApp.Handler = (request, context) => request.PathAndQuery == "/dapr/subscribe" ? context.Response.WriteAsync(subscribeToOrders) : Task.CompletedTask;
        await using var notificationsApp = await TestApp.StartAsync();
        notificationsApp.Handler = gatewayApp.Handler;

        await using var gateway = await StartAsync("gateway", gatewayApp.Port);
        await using var notifications = await StartAsync("notifications", notificationsApp.Port);

        await using var raw = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        var groups = (await raw.ExecuteAsync("XINFO", ["GROUPS", "orders"], Ct)).Items
            .Select(g => g.Items[1].AsString())
            .ToList();
        groups.ShouldContain("notifications");
        groups.ShouldNotContain("gateway", "the gateway may not subscribe to orders: no consumer group, no deliveries");
    }

    private async Task<TestSidecar> StartAsync(string appId, int? appPort = null)
    {
        var sidecar = await TestSidecar.StartAsync(appId, new Dictionary<string, string> { ["pubsub.yaml"] = RepoFiles.LocalComponent("pubsub.yaml", redis.Host) }, appPort);
        await sidecar.WaitUntilReadyAsync();
        return sidecar;
    }

    private async Task<long> StreamLengthAsync(string topic)
    {
        await using var raw = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        return (await raw.ExecuteAsync("XLEN", [topic], Ct)).Number;
    }
}
