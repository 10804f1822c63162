using System.Net;
using System.Text;
using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.PubSub;

public sealed class PublishTests : IDisposable
{
    private readonly TestSidecar _sidecar = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sidecar.Dispose();

    private sealed record Order(string Id, int Quantity);

    [Fact]
    public async Task PublishEventAsync_Object_PostsCamelCaseJsonWithExactContentType()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.PublishEventAsync("pubsub", "orders", new Order("o-1", 3), cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/v1.0/publish/pubsub/orders");
        request.ContentType.ShouldBe("application/json");
        request.BodyText.ShouldBe("""{"id":"o-1","quantity":3}""");
    }

    [Fact]
    public async Task PublishTextAsync_DefaultContentType_SendsTextPlainWithoutCharset()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.PublishTextAsync("pubsub", "greetings", "héllo", cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.ContentType.ShouldBe("text/plain");
        request.Body.ShouldBe(Encoding.UTF8.GetBytes("héllo"));
    }

    [Fact]
    public async Task PublishTextAsync_ContentTypeWithParameters_SentVerbatim()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.PublishTextAsync("pubsub", "xml", "<a/>", "application/xml; charset=ISO-8859-1", cancellationToken: Ct);

        _sidecar.Handler.SingleRequest.ContentType.ShouldBe("application/xml; charset=ISO-8859-1");
    }

    [Fact]
    public async Task PublishBytesAsync_Default_SendsOctetStreamBytes()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);
        byte[] payload = [0, 1, 2, 255];

        await _sidecar.Client.PublishBytesAsync("pubsub", "blobs", payload, cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.ContentType.ShouldBe("application/octet-stream");
        request.Body.ShouldBe(payload);
        request.QueryString.ShouldBeEmpty();
    }

    [Fact]
    public async Task PublishRawPayloadAsync_WithoutContentType_SetsRawPayloadAndNoContentType()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.PublishRawPayloadAsync("pubsub", "raw", "plain bytes"u8.ToArray(), cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.Query("metadata.rawPayload").ShouldBe("true");
        request.ContentType.ShouldBeNull();
        request.BodyText.ShouldBe("plain bytes");
    }

    [Fact]
    public async Task PublishRawPayloadAsync_CallerRawPayloadMetadata_NotDuplicated()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);
        var options = new PublishEventOptions { Metadata = new Dictionary<string, string> { ["rawPayload"] = "true" } };

        await _sidecar.Client.PublishRawPayloadAsync("pubsub", "raw", "x"u8.ToArray(), "application/json", options, Ct);

        _sidecar.Handler.SingleRequest.QueryValues("metadata.rawPayload").ShouldBe(["true"]);
    }

    [Fact]
    public async Task PublishCloudEventAsync_Object_SendsCloudEventsContentType()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);
        var cloudEvent = new { id = "e-1", source = "tests", type = "order.created", specversion = "1.0", data = new { id = 7 } };

        await _sidecar.Client.PublishCloudEventAsync("pubsub", "orders", cloudEvent, cancellationToken: Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.ContentType.ShouldBe("application/cloudevents+json");
        request.BodyJson().GetProperty("type").GetString().ShouldBe("order.created");
        request.BodyJson().GetProperty("data").GetProperty("id").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task PublishEventAsync_Options_SendMetadataTtlAndCloudEventOverridesAsQuery()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);
        var options = new PublishEventOptions
        {
            Metadata = new Dictionary<string, string> { ["partitionKey"] = "a b&c" },
            TtlInSeconds = 30,
            CloudEventId = "id-1",
            CloudEventSource = "orders-cell",
            CloudEventType = "order.created",
            CloudEventSubject = "o/1",
        };

        await _sidecar.Client.PublishEventAsync("pubsub", "orders", 42, options, Ct);

        var request = _sidecar.Handler.SingleRequest;
        request.QueryPairs().ShouldBe(
        [
            new("metadata.partitionKey", "a b&c"),
            new("metadata.ttlInSeconds", "30"),
            new("metadata.cloudevent.id", "id-1"),
            new("metadata.cloudevent.source", "orders-cell"),
            new("metadata.cloudevent.type", "order.created"),
            new("metadata.cloudevent.subject", "o/1"),
        ]);
        request.QueryString.ShouldContain("metadata.partitionKey=a%20b%26c");
        request.BodyText.ShouldBe("42");
    }

    [Fact]
    public async Task PublishEventAsync_TopicWithSlashes_KeepsSeparatorsAndEscapesSegments()
    {
        _sidecar.Handler.Enqueue(HttpStatusCode.NoContent);

        await _sidecar.Client.PublishEventAsync("my pubsub", "orders/eu west/v1", 1, cancellationToken: Ct);

        _sidecar.Handler.SingleRequest.Path.ShouldBe("/v1.0/publish/my%20pubsub/orders/eu%20west/v1");
    }

    [Fact]
    public async Task PublishEventAsync_UnknownPubsub_ThrowsWithDaprErrorCode()
    {
        _sidecar.Handler.EnqueueJson(HttpStatusCode.NotFound, """{"errorCode":"ERR_PUBSUB_NOT_FOUND","message":"pubsub nope is not found"}""");

        var ex = await Should.ThrowAsync<DaprApiException>(() => _sidecar.Client.PublishEventAsync("nope", "orders", 1, cancellationToken: Ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        ex.ErrorCode.ShouldBe("ERR_PUBSUB_NOT_FOUND");
        ex.DaprMessage.ShouldBe("pubsub nope is not found");
        ex.Message.ShouldContain("POST /v1.0/publish/nope/orders");
    }

    [Theory]
    [InlineData("", "orders")]
    [InlineData("pubsub", "")]
    public async Task PublishEventAsync_EmptyNames_ThrowBeforeSending(string pubsub, string topic)
    {
        await Should.ThrowAsync<ArgumentException>(() => _sidecar.Client.PublishEventAsync(pubsub, topic, 1, cancellationToken: Ct));

        _sidecar.Handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task PublishTextAsync_EmptyContentType_Throws()
    {
        await Should.ThrowAsync<ArgumentException>(() => _sidecar.Client.PublishTextAsync("pubsub", "t", "x", "", cancellationToken: Ct));
    }
}
