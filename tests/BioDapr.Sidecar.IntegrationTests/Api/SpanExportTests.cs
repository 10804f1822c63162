using System.Net;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;
using BioDapr.Testing;
using BioDapr.Launcher.Telemetry;
using BioDapr.Testing.Telemetry;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>
/// The sidecar's spans as a collector receives them (OpenTelemetry's SDK to a real OTLP/HTTP receiver on loopback): the
/// ids the sidecar passed on, and daprd's names and attributes.
/// </summary>
public sealed class SpanExportTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string CallerSpanId = "b7ad6b7169203331";

    [Fact]
    public async Task ApiCallsAndDeliveries_AreExported_WithTheIdsPassedOn_AndDaprdsNamesAndAttributes()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        await using var app = await TestApp.StartAsync();
        var config = $$"""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata: {name: traced}
            spec:
              tracing:
                samplingRate: "1"
                otel: {endpointAddress: "127.0.0.1:{{receiver.Port}}", isSecure: false, protocol: http}
            """;
        var resources = new Dictionary<string, string>
        {
            ["pubsub.yaml"] = Yaml.InMemoryPubSub(),
            ["state.yaml"] = Yaml.InMemoryState(),
            ["sub.yaml"] = Yaml.Subscription("pubsub", "orders", "/orders"),
        };
        await using var sidecar = await TestSidecar.StartAsync("traced", resources, app.Port, configYaml: config);
        await sidecar.WaitUntilReadyAsync();

        using var publish = Traced(HttpMethod.Post, "/v1.0/publish/pubsub/orders", "{}");
        using var published = await sidecar.Client.SendAsync(publish, TestContext.Current.CancellationToken);
        using var save = Traced(HttpMethod.Post, "/v1.0/state/statestore", """[{"key":"k","value":1}]""");
        using var saved = await sidecar.Client.SendAsync(save, TestContext.Current.CancellationToken);
        using var missing = Traced(HttpMethod.Get, "/v1.0/state/nostore/k", body: null);
        using var failed = await sidecar.Client.SendAsync(missing, TestContext.Current.CancellationToken);

        published.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        saved.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        ((int)failed.StatusCode).ShouldBeGreaterThanOrEqualTo(400);
        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count == 1);
        var spans = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace(TraceId)),
            trace => trace.Count >= 4,
            TimeSpan.FromSeconds(30),
            "the three API calls and the delivery are exported");

        spans.ShouldAllBe(s => s.Service == "traced" && s.Scope == "BioDapr.Sidecar");
        var publishSpan = spans.Single(s => s.Name == "/v1.0/publish/pubsub/orders");
        publishSpan.SpanId.ShouldBe(SpanIdOf(published), "the span id the caller got back in traceparent is the exported span's");
        publishSpan.ShouldSatisfyAllConditions(
            s => s.ParentSpanId.ShouldBe(CallerSpanId),
            s => s.Kind.ShouldBe(ReceivedSpanKind.Server),
            s => s.Attributes["messaging.system"].ShouldBe("pubsub"),
            s => s.Attributes["messaging.destination.name"].ShouldBe("orders"),
            s => s.Attributes["dapr.api"].ShouldBe("POST /v1.0/publish/pubsub/orders"),
            s => s.Attributes["dapr.protocol"].ShouldBe("http"),
            s => s.Attributes["dapr.status_code"].ShouldBe("204"));
        spans.Single(s => s.Name == "/v1.0/state/statestore").ShouldSatisfyAllConditions(
            s => s.Attributes["db.system"].ShouldBe("state"),
            s => s.Attributes["db.name"].ShouldBe("statestore"),
            s => s.Attributes["db.statement"].ShouldBe("POST /v1.0/state/statestore"));
        spans.Single(s => s.Name == "/v1.0/state/nostore/k").Attributes["dapr.status_code"].ShouldBe(((int)failed.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var delivery = spans.Single(s => s.Name == "pubsub/orders");
        delivery.ShouldSatisfyAllConditions(
            s => s.Kind.ShouldBe(ReceivedSpanKind.Consumer),
            s => s.ParentSpanId.ShouldBe(publishSpan.SpanId, "the CloudEvent carries the publish span's context"),
            s => s.SpanId.ShouldBe(app.RequestsTo("/orders")[0].Headers["traceparent"].Split('-')[2], "the app's request continues the delivery span"),
            s => s.Attributes["messaging.destination.name"].ShouldBe("orders"));
        receiver.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task BulkPublish_RecordsAProducerSpanPerEntry_UnderTheCallsSpan_AndEachEventCarriesItsEntrysSpan()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        await using var app = await TestApp.StartAsync();
        var resources = new Dictionary<string, string>
        {
            ["pubsub.yaml"] = Yaml.InMemoryPubSub(),
            ["sub.yaml"] = Yaml.Subscription("pubsub", "orders", "/orders"),
        };
        await using var sidecar = await TestSidecar.StartAsync("traced", resources, app.Port, configYaml: TracedConfig(receiver.Port));
        await sidecar.WaitUntilReadyAsync();

        using var bulk = Traced(HttpMethod.Post, "/v1.0-alpha1/publish/bulk/pubsub/orders", """
            [{"entryId":"1","event":{"n":1},"contentType":"application/json"},{"entryId":"2","event":{"n":2},"contentType":"application/json"}]
            """);
        using var published = await sidecar.Client.SendAsync(bulk, TestContext.Current.CancellationToken);

        published.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count == 2);
        var spans = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace(TraceId)),
            trace => trace.Count(s => s.Kind == ReceivedSpanKind.Producer) == 2 && trace.Count(s => s.Name == "pubsub/orders") == 2
                && trace.Any(s => s.Kind == ReceivedSpanKind.Server),
            TimeSpan.FromSeconds(30),
            "the call's span, a producer span per entry and both deliveries are exported");

        var call = spans.Single(s => s.Kind == ReceivedSpanKind.Server);
        call.ShouldSatisfyAllConditions(
            s => s.Name.ShouldBe("/v1.0-alpha1/publish/bulk/pubsub/orders"),
            s => s.ParentSpanId.ShouldBe(CallerSpanId));
        var entries = spans.Where(s => s.Kind == ReceivedSpanKind.Producer).ToList();
        entries.ShouldAllBe(s => s.ParentSpanId == call.SpanId && s.Name == "/v1.0-alpha1/publish/bulk/pubsub/orders" && s.Status != ReceivedSpanStatus.Error,
            "daprd's StartProducerSpanChildFromParent: named after the path, a child of the call's span");
        entries.Select(s => s.SpanId).Distinct().Count().ShouldBe(2, "each entry has a span of its own");
        // Each event carries its own entry's span: its delivery (and the app's request) continues that span.
        var deliveries = spans.Where(s => s.Name == "pubsub/orders").ToList();
        deliveries.Select(d => d.ParentSpanId).Order(StringComparer.Ordinal).ShouldBe(entries.Select(e => e.SpanId).Order(StringComparer.Ordinal));
        receiver.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task BulkPublishOverGrpc_RecordsAProducerSpanPerEntry_NamedAfterTheMethod()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        await using var sidecar = await StartTracedGrpcSidecarAsync(receiver);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{sidecar.Host.GrpcPort}");
        var client = new DaprGrpc.DaprClient(channel);
        var request = new BulkPublishRequest { PubsubName = "pubsub", Topic = "orders" };
        request.Entries.Add(new BulkPublishRequestEntry { EntryId = "1", Event = ByteString.CopyFromUtf8("{}"), ContentType = "application/json" });
        request.Entries.Add(new BulkPublishRequestEntry { EntryId = "2", Event = ByteString.CopyFromUtf8("{}"), ContentType = "application/json" });

        await client.BulkPublishEventAsync(request, TracedMetadata(), cancellationToken: TestContext.Current.CancellationToken);

        var spans = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace(TraceId)),
            trace => trace.Count(s => s.Kind == ReceivedSpanKind.Producer) == 2 && trace.Any(s => s.Kind == ReceivedSpanKind.Server),
            TimeSpan.FromSeconds(30),
            "the call's span and a producer span per entry are exported");
        var call = spans.Single(s => s.Kind == ReceivedSpanKind.Server);
        call.Name.ShouldBe("/dapr.proto.runtime.v1.Dapr/BulkPublishEvent");
        spans.Where(s => s.Kind == ReceivedSpanKind.Producer).ShouldAllBe(s => s.ParentSpanId == call.SpanId && s.Name == "/dapr.proto.runtime.v1.Dapr/BulkPublishEvent/",
            "daprd's bulkPublishEvent names them after the method with a trailing '/'");
    }

    [Fact]
    public async Task AStreamingCall_IsOneSpan_FromItsStartToItsEnd_AndAFailedOneCarriesItsStatus()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        await using var sidecar = await StartTracedGrpcSidecarAsync(receiver);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{sidecar.Host.GrpcPort}");
        var client = new DaprGrpc.DaprClient(channel);

        // A streaming subscription (daprd's GRPCTraceStreamServerInterceptor: one span for the stream), opened, then closed by the subscriber.
        using (var stream = client.SubscribeTopicEventsAlpha1(TracedMetadata(), cancellationToken: TestContext.Current.CancellationToken))
        {
            await stream.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1
            {
                InitialRequest = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = "pubsub", Topic = "orders" },
            }, TestContext.Current.CancellationToken);
            (await stream.ResponseStream.MoveNext(TestContext.Current.CancellationToken)).ShouldBeTrue("the sidecar answers the initial request");
            receiver.Trace(TraceId).ShouldBeEmpty("the stream's span ends with the stream, not before");
            await stream.RequestStream.CompleteAsync();
            while (await stream.ResponseStream.MoveNext(TestContext.Current.CancellationToken))
            {
            }
        }

        // A stream the sidecar refuses: a topic subscription on a pub/sub it does not have.
        using (var refused = client.SubscribeTopicEventsAlpha1(TracedMetadata(), cancellationToken: TestContext.Current.CancellationToken))
        {
            await refused.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1
            {
                InitialRequest = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = "nopubsub", Topic = "orders" },
            }, TestContext.Current.CancellationToken);
            await Should.ThrowAsync<RpcException>(async () =>
            {
                while (await refused.ResponseStream.MoveNext(TestContext.Current.CancellationToken))
                {
                }
            });
        }

        var spans = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace(TraceId)),
            trace => trace.Count(s => s.Name == "/dapr.proto.runtime.v1.Dapr/SubscribeTopicEventsAlpha1") == 2,
            TimeSpan.FromSeconds(30),
            "both streams' spans are exported once they end");
        spans.ShouldAllBe(s => s.ParentSpanId == CallerSpanId && s.Kind == ReceivedSpanKind.Server && s.Attributes["dapr.protocol"] == "grpc"
            && s.Attributes["dapr.api"] == "/dapr.proto.runtime.v1.Dapr/SubscribeTopicEventsAlpha1");
        spans.Count(s => s.Status == ReceivedSpanStatus.Error).ShouldBe(1, "the refused stream ends with an error status, the closed one without");
    }

    private static string TracedConfig(int collectorPort) => $$"""
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata: {name: traced}
        spec:
          tracing:
            samplingRate: "1"
            otel: {endpointAddress: "127.0.0.1:{{collectorPort}}", isSecure: false, protocol: http}
        """;

    // A sidecar with an in-memory pub/sub and its gRPC API, exporting its spans to the receiver.
    private static Task<TestSidecar> StartTracedGrpcSidecarAsync(OtlpReceiver receiver) =>
        TestSidecar.StartAsync(
            "traced",
            new Dictionary<string, string> { ["pubsub.yaml"] = Yaml.InMemoryPubSub() },
            configYaml: TracedConfig(receiver.Port),
            configure: s => s with { GrpcPort = FreePort.Next() });

    private static Metadata TracedMetadata() => new() { { "traceparent", $"00-{TraceId}-{CallerSpanId}-01" } };

    private static HttpRequestMessage Traced(HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("traceparent", $"00-{TraceId}-{CallerSpanId}-01");
        return request;
    }

    private static string SpanIdOf(HttpResponseMessage response) =>
        response.Headers.GetValues("traceparent").Single().Split('-')[2];
}
