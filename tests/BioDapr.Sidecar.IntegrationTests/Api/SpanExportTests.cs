using System.Net;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
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
