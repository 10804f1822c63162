using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using BioDapr.Testing;
using Dapr;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client;
using Grpc.Core;

namespace BioDapr.Sidecar.SdkTests;

/// <summary>Dapr.Client's pub/sub calls and streaming subscriptions against the sidecar process and Redis Streams.</summary>
public sealed class PubSubTests(SdkFixture fixture) : IClassFixture<SdkFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DaprClient Dapr => fixture.Client;

    [Fact]
    public async Task PublishEvent_OverGrpc_WritesTheSameEnvelopeShapeAsHttp()
    {
        var (grpcTopic, httpTopic) = (Topic(), Topic());
        await Dapr.PublishEventAsync("pubsub", grpcTopic, new { orderId = "o1" }, Ct);
        using var content = new StringContent("""{"orderId":"o1"}""", Encoding.UTF8, "application/json");
        (await fixture.Http.PostAsync($"/v1.0/publish/pubsub/{httpTopic}", content, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var overGrpc = await EnvelopeAsync(grpcTopic);
        using var overHttp = await EnvelopeAsync(httpTopic);
        Names(overGrpc).ShouldBe(Names(overHttp));
        overGrpc.RootElement.GetProperty("data").GetProperty("orderId").GetString().ShouldBe("o1");
        overGrpc.RootElement.GetProperty("datacontenttype").GetString().ShouldBe("application/json");
        overGrpc.RootElement.GetProperty("source").GetString().ShouldBe("sdk");
        overGrpc.RootElement.GetProperty("topic").GetString().ShouldBe(grpcTopic);
    }

    [Fact]
    public async Task PublishEvent_WithTraceContextMetadata_PutsTheCallersTraceIntoTheEnvelope()
    {
        var topic = Topic();
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(fixture.Sidecar.GrpcEndpoint);
        var client = new global::Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
        var headers = new Metadata { { "traceparent", $"00-{traceId}-00f067aa0ba902b7-01" }, { "tracestate", "biodapr=1" } };

        using var call = client.PublishEventAsync(
            new global::Dapr.Client.Autogen.Grpc.v1.PublishEventRequest { PubsubName = "pubsub", Topic = topic, Data = Google.Protobuf.ByteString.CopyFromUtf8("{}"), DataContentType = "application/json" },
            headers,
            cancellationToken: Ct);
        await call.ResponseAsync;

        using var envelope = await EnvelopeAsync(topic);
        var traceparent = envelope.RootElement.GetProperty("traceparent").GetString()!;
        traceparent.ShouldStartWith($"00-{traceId}-");
        traceparent.ShouldNotContain("00f067aa0ba902b7");
        envelope.RootElement.GetProperty("tracestate").GetString().ShouldBe("biodapr=1");
        call.GetTrailers().GetValue("traceparent").ShouldBe(traceparent);
    }

    [Fact]
    public async Task PublishEvent_WithRawPayload_StoresTheBytesAsTheyAre()
    {
        var topic = Topic();
        await Dapr.PublishByteEventAsync("pubsub", topic, Encoding.UTF8.GetBytes("plain bytes"), "text/plain", new Dictionary<string, string> { ["rawPayload"] = "true" }, Ct);

        var entries = await fixture.Redis.StreamRangeAsync(topic);
        ((string?)entries[0].Values[0].Value).ShouldBe("plain bytes");
    }

    [Fact]
    public async Task PublishEvent_ToAnUnknownPubSub_FailsWithInvalidArgument_AndDaprdsReason()
    {
        var error = await Should.ThrowAsync<DaprException>(() => Dapr.PublishEventAsync("nope", "t", "x", Ct));

        var rpc = error.Rpc();
        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.Status.Detail.ShouldBe("pubsub nope is not found");
        rpc.ErrorInfo()!.Reason.ShouldBe("DAPR_PUBSUB_NOT_FOUND");
        rpc.ResourceInfo()!.ResourceType.ShouldBe("pubsub");
    }

    [Fact]
    public async Task PublishEvent_OverTheBodyLimit_IsRefusedWithResourceExhausted_AndHttpAnswers413()
    {
        var topic = Topic();
        var big = new byte[5 << 20];

        var error = await Should.ThrowAsync<DaprException>(() => Dapr.PublishByteEventAsync("pubsub", topic, big, "application/octet-stream", cancellationToken: Ct));
        error.Rpc().StatusCode.ShouldBe(StatusCode.ResourceExhausted);
        using var content = new ByteArrayContent(big);
        using var overHttp = await fixture.Http.PostAsync($"/v1.0/publish/pubsub/{topic}", content, Ct);
        overHttp.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await overHttp.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_BODY_READ");
        (await fixture.Redis.StreamLengthAsync(topic)).ShouldBe(0);
    }

    [Fact]
    public async Task BulkPublishEvent_PublishesEveryEntry()
    {
        var topic = Topic();
        var result = await Dapr.BulkPublishEventAsync("pubsub", topic, new List<string> { "a", "b", "c" }, cancellationToken: Ct);

        result.FailedEntries.ShouldBeEmpty();
        (await fixture.Redis.StreamLengthAsync(topic)).ShouldBe(3);
    }

    [Fact]
    public async Task StreamingSubscription_ReceivesPublishedEvents_AndAcknowledgesThem()
    {
        var topic = Topic();
        await using var subscriber = new StreamingSubscriber(fixture.Sidecar.GrpcEndpoint, "pubsub", topic);
        await Eventually.TrueAsync(() => subscriber.Connections == 1, because: "the stream should be acknowledged");

        for (var i = 0; i < 5; i++)
        {
            await Dapr.PublishEventAsync("pubsub", topic, new { n = i }, Ct);
        }

        await Eventually.TrueAsync(() => subscriber.Received.Count == 5, because: "every event should arrive on the stream");
        var first = subscriber.Received.First();
        first.Topic.ShouldBe(topic);
        first.PubsubName.ShouldBe("pubsub");
        subscriber.Received.Select(e => JsonDocument.Parse(e.Data.Memory).RootElement.GetProperty("n").GetInt32()).Order().ShouldBe([0, 1, 2, 3, 4]);
        await Eventually.ReturnsAsync(() => PendingAsync(topic), p => p == 0, because: "answered events are acknowledged");
    }

    [Fact]
    public async Task StreamingSubscription_DropAnswer_SendsTheEventToTheDeadLetterTopic()
    {
        var (topic, deadLetters) = (Topic(), Topic());
        await using var subscriber = new StreamingSubscriber(fixture.Sidecar.GrpcEndpoint, "pubsub", topic, deadLetters)
        {
            Answer = _ => TopicEventResponse.Types.TopicEventResponseStatus.Drop,
        };
        await Eventually.TrueAsync(() => subscriber.Connections == 1);

        await Dapr.PublishEventAsync("pubsub", topic, "poison", Ct);

        await Eventually.ReturnsAsync(async () => (await fixture.Redis.StreamLengthAsync(deadLetters)), n => n == 1, because: "a dropped event goes to the dead-letter topic");
    }

    [Fact]
    public async Task StreamingSubscription_WithoutATopic_IsRefused()
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(fixture.Sidecar.GrpcEndpoint);
        var client = new global::Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);
        using var call = client.SubscribeTopicEventsAlpha1(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new() { InitialRequest = new() { PubsubName = "pubsub" } }, Ct);

        var error = await Should.ThrowAsync<RpcException>(async () => await call.ResponseStream.MoveNext(Ct));
        error.Status.Detail.ShouldBe("topic is required");
    }

    private static string Topic() => "t-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<long> PendingAsync(string topic)
    {
        var summary = await fixture.Redis.StreamPendingAsync(topic, "sdk");
        return summary.PendingMessageCount;
    }

    private async Task<JsonDocument> EnvelopeAsync(string topic)
    {
        var entries = await fixture.Redis.StreamRangeAsync(topic);
        return JsonDocument.Parse((byte[])entries[0].Values[0].Value!);
    }

    private static List<string> Names(JsonDocument document) => document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
}
