using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using BioDapr.Testing;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace BioDapr.Sidecar.SdkTests;

#pragma warning disable CS0618 // InvokeMethodGrpcAsync is deprecated in the SDK but still part of it; the sidecar serves InvokeService for it.

/// <summary><c>--app-protocol grpc</c>: an app built on <c>AppCallbackBase</c> gets its subscriptions, bulk deliveries and invocations over gRPC.</summary>
public sealed class GrpcAppTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private readonly string _topic = "g-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _bulkTopic = "gb-" + Guid.NewGuid().ToString("N")[..8];
    private GrpcTestApp _app = null!;
    private SidecarProcess _sidecar = null!;
    private DaprClient _dapr = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        _app = await GrpcTestApp.StartAsync(_topic, _bulkTopic);
        _sidecar = await SidecarProcess.StartAsync(
            "grpcapp",
            new Dictionary<string, string>
            {
                ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", ("redisHost", _redis.Host)),
            },
            appPort: _app.Port,
            appProtocol: "grpc",
            extraArguments: ["--enable-app-health-check", "--app-health-probe-interval", "1"]);
        _dapr = _sidecar.Client();
    }

    public async ValueTask DisposeAsync()
    {
        _dapr.Dispose();
        await _sidecar.DisposeAsync();
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task PublishedEvents_ReachTheAppThroughOnTopicEvent()
    {
        await _dapr.PublishEventAsync("pubsub", _topic, new { orderId = "o-1" }, Ct);

        await Eventually.TrueAsync(() => !_app.Recorder.Events.IsEmpty, because: "the event should reach OnTopicEvent");
        var received = _app.Recorder.Events.Single();
        received.Path.ShouldBe("/events");
        received.PubsubName.ShouldBe("pubsub");
        received.DataContentType.ShouldBe("application/json");
        JsonDocument.Parse(received.Data.Memory).RootElement.GetProperty("orderId").GetString().ShouldBe("o-1");
        received.Extensions.Fields["topic"].StringValue.ShouldBe(_topic);
        _app.Recorder.HealthChecks.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task BulkSubscription_DeliversBatchesThroughOnBulkTopicEvent()
    {
        for (var i = 0; i < 5; i++)
        {
            await _dapr.PublishEventAsync("pubsub", _bulkTopic, new { n = i }, Ct);
        }

        await Eventually.TrueAsync(() => _app.Recorder.Bulks.Sum(b => b.Entries.Count) == 5, because: "every event should arrive in a bulk call");
        var bulk = _app.Recorder.Bulks.First();
        bulk.Topic.ShouldBe(_bulkTopic);
        bulk.Type.ShouldBe("com.dapr.event.sent.bulk");
        bulk.Entries.ShouldAllBe(e => e.CloudEvent != null && e.ContentType == "application/cloudevents+json" && e.EntryId.Length > 0);
        bulk.Entries.Count.ShouldBeLessThanOrEqualTo(5);
    }

    [Fact]
    public async Task InvokeMethodGrpc_ThroughTheSidecar_ReachesOnInvoke()
    {
        var answer = await _dapr.InvokeMethodGrpcAsync<Google.Protobuf.WellKnownTypes.Empty, Google.Protobuf.WellKnownTypes.Empty>("grpcapp", "ping", new(), Ct);

        answer.ShouldNotBeNull();
        _app.Recorder.Invocations.Single().Request.Method.ShouldBe("ping");
    }

    [Fact]
    public async Task HttpInvocation_OfAGrpcApp_GoesThroughOnInvoke_WithVerbAndQuery()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_sidecar.HttpEndpoint) };
        using var response = await http.PostAsync("/v1.0/invoke/grpcapp/method/orders?x=1", JsonContent.Create(new { id = 7 }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        body.GetProperty("method").GetString().ShouldBe("orders");
        body.GetProperty("echo").GetProperty("id").GetInt32().ShouldBe(7);
        var (request, _) = _app.Recorder.Invocations.Single();
        request.HttpExtension.Verb.ShouldBe(global::Dapr.Client.Autogen.Grpc.v1.HTTPExtension.Types.Verb.Post);
        request.HttpExtension.Querystring.ShouldBe("x=1");
    }

    [Fact]
    public async Task HttpInvocation_WhenTheAppAnswersAGrpcError_MapsItToTheHttpStatus()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_sidecar.HttpEndpoint) };
        using var response = await http.PostAsync("/v1.0/invoke/grpcapp/method/fail", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("no such order");
    }

    [Fact]
    public async Task InvokeMethodGrpc_OfAnUnknownApp_FailsWithDaprdsDirectInvokeError()
    {
        var error = await Should.ThrowAsync<DaprException>(() => _dapr.InvokeMethodGrpcAsync("nobody", "ping", Ct));

        error.Rpc().StatusCode.ShouldBe(StatusCode.Internal);
        error.Rpc().Status.Detail.ShouldStartWith("failed to invoke, id: nobody");
    }
}
