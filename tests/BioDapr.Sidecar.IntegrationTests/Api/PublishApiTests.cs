using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>The publish API and the envelope daprd builds, observed where it lands: in the subscribing app.</summary>
public sealed class PublishApiTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private TestSidecar _sidecar = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _sidecar = await TestSidecar.StartAsync(
            "publisher",
            new Dictionary<string, string>
            {
                ["pubsub.yaml"] = Yaml.InMemoryPubSub("pubsub", ("allowedTopics", "orders,other")),
                ["sub.yaml"] = Yaml.Subscription("pubsub", "orders", "/orders"),
            },
            appPort: _app.Port);
        await _sidecar.WaitUntilReadyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Publish_JsonBody_DeliversDaprEnvelopeWithEmbeddedData()
    {
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", new StringContent("""{"orderId":7,"total":12.50}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var delivery = await NextDeliveryAsync("/orders");
        delivery.Headers["Content-Type"].ShouldBe("application/cloudevents+json");
        delivery.Headers["Pubsubname"].ShouldBe("pubsub");
        using var envelope = JsonDocument.Parse(delivery.Body);
        var root = envelope.RootElement;
        root.GetProperty("source").GetString().ShouldBe("publisher");
        root.GetProperty("type").GetString().ShouldBe("com.dapr.event.sent");
        root.GetProperty("specversion").GetString().ShouldBe("1.0");
        root.GetProperty("topic").GetString().ShouldBe("orders");
        root.GetProperty("pubsubname").GetString().ShouldBe("pubsub");
        root.GetProperty("datacontenttype").GetString().ShouldBe("application/json; charset=utf-8");
        root.GetProperty("data").GetProperty("total").GetRawText().ShouldBe("12.50");
        Guid.TryParse(root.GetProperty("id").GetString(), out _).ShouldBeTrue();
        root.GetProperty("time").GetString()!.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$");
        root.TryGetProperty("traceid", out _).ShouldBeTrue();
        root.TryGetProperty("tracestate", out _).ShouldBeTrue();
        root.EnumerateObject().Select(p => p.Name).ShouldBe(root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), "keys are sorted like a Go map");
    }

    [Fact]
    public async Task Publish_WithoutContentType_DataIsTextPlainString()
    {
        using var content = new ByteArrayContent("{\"a\":1}"u8.ToArray());
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", content, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var envelope = JsonDocument.Parse((await NextDeliveryAsync("/orders")).Body);
        envelope.RootElement.GetProperty("datacontenttype").GetString().ShouldBe("text/plain");
        envelope.RootElement.GetProperty("data").GetString().ShouldBe("{\"a\":1}");
    }

    [Fact]
    public async Task Publish_OctetStream_UsesDataBase64()
    {
        using var content = new ByteArrayContent([1, 2, 3, 255]);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", content, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var envelope = JsonDocument.Parse((await NextDeliveryAsync("/orders")).Body);
        envelope.RootElement.GetProperty("data_base64").GetString().ShouldBe(Convert.ToBase64String([1, 2, 3, 255]));
        envelope.RootElement.TryGetProperty("data", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Publish_CloudEventBody_KeepsFieldsAndOverwritesTopic()
    {
        var cloudEvent = """{"id":"evt-1","source":"shop","type":"order.placed","specversion":"1.0","topic":"wrong","data":{"x":1}}""";
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", new StringContent(cloudEvent, Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var envelope = JsonDocument.Parse((await NextDeliveryAsync("/orders")).Body);
        envelope.RootElement.GetProperty("id").GetString().ShouldBe("evt-1");
        envelope.RootElement.GetProperty("type").GetString().ShouldBe("order.placed");
        envelope.RootElement.GetProperty("topic").GetString().ShouldBe("orders");
        envelope.RootElement.GetProperty("pubsubname").GetString().ShouldBe("pubsub");
    }

    [Fact]
    public async Task Publish_CloudEventOverridesInMetadata_ReplaceGeneratedFields()
    {
        using var response = await _sidecar.Client.PostAsync(
            "/v1.0/publish/pubsub/orders?metadata.cloudevent.id=my-id&metadata.cloudevent.type=my.type&metadata.cloudevent.subject=s1",
            new StringContent("hello", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var envelope = JsonDocument.Parse((await NextDeliveryAsync("/orders")).Body);
        envelope.RootElement.GetProperty("id").GetString().ShouldBe("my-id");
        envelope.RootElement.GetProperty("type").GetString().ShouldBe("my.type");
        envelope.RootElement.GetProperty("subject").GetString().ShouldBe("s1");
    }

    [Fact]
    public async Task Publish_MalformedCloudEvent_Returns500CloudEventsSer()
    {
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", new StringContent("{not json", Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);

        await ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_PUBSUB_CLOUD_EVENTS_SER");
    }

    [Fact]
    public async Task Publish_UnknownPubSub_Returns404NotFound()
    {
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/nope/orders", new StringContent("x"), TestContext.Current.CancellationToken);

        await ShouldBeDaprErrorAsync(response, HttpStatusCode.NotFound, "ERR_PUBSUB_NOT_FOUND");
    }

    [Fact]
    public async Task Publish_TopicNotInAllowedTopics_Returns403Forbidden()
    {
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/secret-topic", new StringContent("x"), TestContext.Current.CancellationToken);

        await ShouldBeDaprErrorAsync(response, HttpStatusCode.Forbidden, "ERR_PUBSUB_FORBIDDEN");
    }

    [Fact]
    public async Task Publish_InvalidRawPayloadFlag_Returns400RequestMetadata()
    {
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders?metadata.rawPayload=maybe", new StringContent("x"), TestContext.Current.CancellationToken);

        await ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, "ERR_PUBSUB_REQUEST_METADATA");
    }

    [Fact]
    public async Task Publish_BodyOverFourMiB_Returns413AndKeepsServing()
    {
        using var big = new ByteArrayContent(new byte[(4 << 20) + 1]);
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", big, TestContext.Current.CancellationToken);

        var body = await ShouldBeDaprErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "ERR_BODY_READ");
        body.ShouldContain("stream too large");
        using var next = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/orders", new StringContent("still alive"), TestContext.Current.CancellationToken);
        next.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Publish_ChunkedBodyOverFourMiB_Returns413WithoutPublishing()
    {
        // No Content-Length: the limit is found while reading.
        using var chunked = new StreamContent(new MemoryStream(new byte[(4 << 20) + 10]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/publish/pubsub/chunked") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _sidecar.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ShouldBeDaprErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "ERR_BODY_READ");
    }

    [Fact]
    public async Task Publish_BodyOfExactlyFourMiB_IsAccepted()
    {
        using var exact = new ByteArrayContent(new byte[4 << 20]);
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/pubsub/other", exact, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task BulkPublish_Entries_AreEachDeliveredInTheirOwnEnvelope()
    {
        var body = """
            [{"entryId":"1","event":{"n":1},"contentType":"application/json"},
             {"entryId":"2","event":"plain","contentType":"text/plain"}]
            """;
        using var response = await _sidecar.Client.PostAsync("/v1.0-alpha1/publish/bulk/pubsub/orders", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Eventually.TrueAsync(() => _app.RequestsTo("/orders").Count >= 2);
        var envelopes = _app.RequestsTo("/orders").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        envelopes.ShouldContain(e => e.GetProperty("datacontenttype").GetString() == "text/plain" && e.GetProperty("data").GetString() == "plain");
        envelopes.ShouldContain(e => e.GetProperty("datacontenttype").GetString() == "application/json" && e.GetProperty("data").GetProperty("n").GetInt32() == 1);
    }

    [Theory]
    [InlineData("""[{"event":1,"contentType":"application/json"}]""", "ERR_PUBSUB_EVENTS_SER")]
    [InlineData("""[{"entryId":"1","event":1,"contentType":""}]""", "ERR_PUBSUB_EVENTS_SER")]
    [InlineData("""{"not":"an array"}""", "ERR_PUBSUB_EVENTS_SER")]
    [InlineData("""[{"entryId":"1","event":5,"contentType":"text/plain"}]""", "ERR_PUBSUB_EVENTS_SER")]
    public async Task BulkPublish_BadEntries_Return400(string body, string errorCode)
    {
        using var response = await _sidecar.Client.PostAsync("/v1.0/publish/bulk/pubsub/orders", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await ShouldBeDaprErrorAsync(response, HttpStatusCode.BadRequest, errorCode);
    }

    private async Task<ReceivedRequest> NextDeliveryAsync(string path)
    {
        await Eventually.TrueAsync(() => _app.RequestsTo(path).Count > 0, because: $"a delivery to {path}");
        return _app.RequestsTo(path)[^1];
    }

    internal static async Task<string> ShouldBeDaprErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errorCode)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("errorCode").GetString().ShouldBe(errorCode);
        json.RootElement.GetProperty("message").GetString().ShouldNotBeNullOrEmpty();
        return body;
    }
}
