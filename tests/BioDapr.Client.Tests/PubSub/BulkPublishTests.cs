using System.Net;
using System.Text.Json;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.PubSub;

public sealed class BulkPublishTests : IDisposable
{
    private readonly TestSidecar _sidecar = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    [Fact]
    public async Task BulkPublishAsync_MixedEntries_PostsAlpha1ArrayWithDaprShapes()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);
        BulkPublishEntry[] entries =
        [
            BulkPublishEntry.Json("1", new { id = 7 }, new Dictionary<string, string> { ["ttlInSeconds"] = "10" }),
            BulkPublishEntry.Text("2", "hello"),
            BulkPublishEntry.Binary("3", [1, 2, 3]),
            BulkPublishEntry.CloudEvent("4", new { id = "ce", type = "t" }, new Dictionary<string, string>()),
        ];

        var result = await _sidecar.Client.BulkPublishAsync("pubsub", "orders/eu", entries, new Dictionary<string, string> { ["k"] = "v" }, Ct);

        result.AllPublished.ShouldBeTrue();
        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Post);
        request.Path.ShouldBe("/v1.0-alpha1/publish/bulk/pubsub/orders/eu");
        request.Query("metadata.k").ShouldBe("v");
        request.ContentType.ShouldBe("application/json");

        var body = request.BodyJson();
        body.GetArrayLength().ShouldBe(4);
        body[0].GetProperty("entryId").GetString().ShouldBe("1");
        body[0].GetProperty("event").GetProperty("id").GetInt32().ShouldBe(7);
        body[0].GetProperty("contentType").GetString().ShouldBe("application/json");
        body[0].GetProperty("metadata").GetProperty("ttlInSeconds").GetString().ShouldBe("10");
        body[1].GetProperty("event").GetString().ShouldBe("hello");
        body[1].GetProperty("contentType").GetString().ShouldBe("text/plain");
        body[1].TryGetProperty("metadata", out _).ShouldBeFalse("entries without metadata must not get request metadata merged in");
        body[2].GetProperty("event").GetString().ShouldBe("AQID");
        body[2].GetProperty("contentType").GetString().ShouldBe("application/octet-stream");
        body[3].GetProperty("contentType").GetString().ShouldBe("application/cloudevents+json");
        body[3].GetProperty("metadata").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Fact]
    public async Task BulkPublishAsync_BrokerFailures_ReturnsFailedEntries()
    {
        _sidecar.Handler.EnqueueJson(
            HttpStatusCode.InternalServerError,
            """{"failedEntries":[{"entryId":"2","error":"redis down"},{"entryId":"3"}],"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"}""");

        var result = await _sidecar.Client.BulkPublishAsync("pubsub", "orders", [BulkPublishEntry.Text("1", "a"), BulkPublishEntry.Text("2", "b"), BulkPublishEntry.Text("3", "c")], cancellationToken: Ct);

        result.AllPublished.ShouldBeFalse();
        result.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        result.ErrorCode.ShouldBe("ERR_PUBSUB_PUBLISH_MESSAGE");
        result.FailedEntries.ShouldBe([new BulkPublishFailedEntry("2", "redis down"), new BulkPublishFailedEntry("3", "")]);
    }

    [Fact]
    public async Task BulkPublishAsync_RequestLevelError_Throws()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.Forbidden, """{"errorCode":"ERR_PUBSUB_FORBIDDEN","message":"topic orders is not allowed for app id a"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.BulkPublishAsync("pubsub", "orders", [BulkPublishEntry.Text("1", "a")], cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        ex.ErrorCode.ShouldBe("ERR_PUBSUB_FORBIDDEN");
    }

    [Fact]
    public async Task BulkPublishAsync_InvalidToken_ThrowsTokenError()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.Unauthorized, "invalid api token\n", "text/plain; charset=utf-8");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.BulkPublishAsync("pubsub", "orders", [BulkPublishEntry.Text("1", "a")], cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        ex.Message.ShouldContain("invalid api token");
    }

    [Fact]
    public async Task BulkPublishAsync_EmptyList_SendsEmptyArray()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        var result = await _sidecar.Client.BulkPublishAsync("pubsub", "orders", [], cancellationToken: Ct);

        result.AllPublished.ShouldBeTrue();
        result.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        _sidecar.Handler.SingleRequest.BodyText.ShouldBe("[]");
    }
}
