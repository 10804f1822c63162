using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>How the sidecar delivers to the app and reads its answers (SUCCESS / RETRY / DROP / 404), with in-memory pub/sub.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task Retry_WithInboundRetryPolicy_IsRedeliveredUntilSuccess()
    {
        await using var app = await TestApp.StartAsync();
        var attempts = 0;
        app.Handler = (request, context) => request.PathAndQuery == "/orders"
            ? Reply(context, Interlocked.Increment(ref attempts) < 3 ? """{"status":"RETRY"}""" : """{"status":"SUCCESS"}""")
            : Task.CompletedTask;
        await using var sidecar = await StartAsync(app, Yaml.InboundRetry("pubsub", maxRetries: 5));

        await PublishAsync(sidecar, "orders", "{}");

        await Eventually.TrueAsync(() => Volatile.Read(ref attempts) == 3, because: "two RETRY answers then SUCCESS");
    }

    [Fact]
    public async Task Retry_WithoutPolicyOrDeadLetter_IsAttemptedOnce()
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/orders" ? Reply(context, """{"status":"RETRY"}""") : Task.CompletedTask;
        await using var sidecar = await StartAsync(app);

        await PublishAsync(sidecar, "orders", "{}");
        await PublishAsync(sidecar, "marker", "{}");

        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count >= 1 && app.RequestsTo("/marker").Count == 1);
        app.RequestsTo("/orders").Count.ShouldBe(1, "daprd has no built-in pub/sub retries");
    }

    [Theory]
    [InlineData("""{"status":"DROP"}""", 200)]
    [InlineData("not found", 404)]
    public async Task DropOr404_WithDeadLetterTopic_IsDeadLettered(string body, int status)
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/orders" ? Reply(context, body, status) : Task.CompletedTask;
        await using var sidecar = await StartAsync(app, deadLetterTopic: "orders-dead");

        await PublishAsync(sidecar, "orders", """{"n":1}""");

        await Eventually.TrueAsync(() => app.RequestsTo("/dead").Count == 1, because: "the dropped message reaches the dead-letter route");
        using var dead = JsonDocument.Parse(app.RequestsTo("/dead")[0].Body);
        dead.RootElement.GetProperty("data").GetProperty("n").GetInt32().ShouldBe(1);
        app.RequestsTo("/orders").Count.ShouldBe(1, "a dropped message is not retried");
    }

    [Fact]
    public async Task RetryExhausted_WithDeadLetterTopic_IsDeadLettered()
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/orders" ? Reply(context, "boom", 500) : Task.CompletedTask;
        await using var sidecar = await StartAsync(app, Yaml.InboundRetry("pubsub", maxRetries: 2), deadLetterTopic: "orders-dead");

        await PublishAsync(sidecar, "orders", "{}");

        await Eventually.TrueAsync(() => app.RequestsTo("/dead").Count == 1);
        app.RequestsTo("/orders").Count.ShouldBe(3, "one attempt plus two retries");
    }

    [Theory]
    [InlineData("", 200)]
    [InlineData("not json", 200)]
    [InlineData("{}", 204)]
    [InlineData("""{"status":""}""", 200)]
    public async Task SuccessAnswers_AreNotRetried(string body, int status)
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/orders" ? Reply(context, body, status) : Task.CompletedTask;
        await using var sidecar = await StartAsync(app, Yaml.InboundRetry("pubsub", maxRetries: 3), deadLetterTopic: "orders-dead");

        await PublishAsync(sidecar, "orders", "{}");
        await PublishAsync(sidecar, "marker", "{}");

        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count >= 1 && app.RequestsTo("/marker").Count == 1);
        app.RequestsTo("/orders").Count.ShouldBe(1);
        app.RequestsTo("/dead").Count.ShouldBe(0);
    }

    [Fact]
    public async Task LowerCaseSuccess_IsAnUnknownStatusAndRetried()
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/orders" ? Reply(context, """{"status":"success"}""") : Task.CompletedTask;
        await using var sidecar = await StartAsync(app, Yaml.InboundRetry("pubsub", maxRetries: 2));

        await PublishAsync(sidecar, "orders", "{}");

        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count == 3, because: "status matching is case-sensitive");
    }

    [Fact]
    public async Task RoutingRules_ChooseThePathByCel()
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/dapr/subscribe"
            ? Reply(context, """[{"pubsubname":"pubsub","topic":"orders","routes":{"rules":[{"match":"event.data.total > 100","path":"/big"}],"default":"/small"}}]""")
            : Task.CompletedTask;
        await using var sidecar = await StartAsync(app, declarative: false);

        await PublishAsync(sidecar, "orders", """{"total":250}""", "application/json");
        await PublishAsync(sidecar, "orders", """{"total":5}""", "application/json");

        await Eventually.TrueAsync(() => app.RequestsTo("/big").Count == 1 && app.RequestsTo("/small").Count == 1);
    }

    [Fact]
    public async Task ExpiredMessage_IsDroppedWithoutCallingTheApp()
    {
        await using var app = await TestApp.StartAsync();
        await using var sidecar = await StartAsync(app);
        var envelope = $$"""{"id":"old","source":"x","type":"t","specversion":"1.0","expiration":"{{DateTime.UtcNow.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}}","data":1}""";

        await PublishAsync(sidecar, "orders", envelope, "application/cloudevents+json");
        await PublishAsync(sidecar, "orders", """{"fresh":true}""");

        // One topic is delivered in order: once the fresh message arrived, the expired one was handled.
        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count >= 1);
        app.RequestsTo("/orders").ShouldHaveSingleItem().BodyText.ShouldContain("fresh");
    }

    [Fact]
    public async Task Delivery_CarriesTheTraceAndAppToken()
    {
        await using var app = await TestApp.StartAsync();
        await using var sidecar = await StartAsync(app, appApiToken: "app-secret", config: "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: c}\nspec:\n  tracing:\n    samplingRate: \"1\"\n");
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/publish/pubsub/orders") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", traceParent);

        using var response = await sidecar.Client.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await Eventually.TrueAsync(() => app.RequestsTo("/orders").Count == 1);
        var delivery = app.RequestsTo("/orders")[0];
        delivery.Headers["dapr-api-token"].ShouldBe("app-secret");
        delivery.Headers["traceparent"].ShouldStartWith("00-0af7651916cd43dd8448eb211c80319c-");
        delivery.Headers["traceparent"].ShouldNotContain("b7ad6b7169203331", customMessage: "the delivery is a new span of the same trace");
        using var envelope = JsonDocument.Parse(delivery.Body);
        envelope.RootElement.GetProperty("traceparent").GetString()!.ShouldStartWith("00-0af7651916cd43dd8448eb211c80319c-");
        app.RequestsTo("/dapr/subscribe")[0].Headers["dapr-api-token"].ShouldBe("app-secret");
    }

    [Fact]
    public async Task ProgrammaticSubscription_ReplacesDeclarativeForTheSameTopic()
    {
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/dapr/subscribe"
            ? Reply(context, """[{"pubsubName":"pubsub","topic":"orders","route":"programmatic"}]""")
            : Task.CompletedTask;
        await using var sidecar = await StartAsync(app);

        await PublishAsync(sidecar, "orders", "{}");

        await Eventually.TrueAsync(() => app.RequestsTo("/programmatic").Count == 1);
        app.RequestsTo("/orders").Count.ShouldBe(0);
    }

    private static async Task<TestSidecar> StartAsync(
        TestApp app, string? resiliency = null, string? deadLetterTopic = null, bool declarative = true, string? appApiToken = null, string? config = null)
    {
        var resources = new Dictionary<string, string> { ["pubsub.yaml"] = Yaml.InMemoryPubSub() };
        if (declarative)
        {
            resources["sub.yaml"] = Yaml.Subscription("pubsub", "orders", "/orders", deadLetterTopic);
            resources["marker.yaml"] = Yaml.Subscription("pubsub", "marker", "/marker", name: "marker");
        }

        if (deadLetterTopic is not null)
        {
            resources["dead.yaml"] = Yaml.Subscription("pubsub", deadLetterTopic, "/dead", name: "dead");
        }

        if (resiliency is not null)
        {
            resources["resiliency.yaml"] = resiliency;
        }

        var sidecar = await TestSidecar.StartAsync("subscriber", resources, app.Port, configure: s => s with { AppApiToken = appApiToken }, configYaml: config);
        await sidecar.WaitUntilReadyAsync();
        return sidecar;
    }

    private static async Task PublishAsync(TestSidecar sidecar, string topic, string body, string contentType = "application/json")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);
        using var response = await sidecar.Client.PostAsync($"/v1.0/publish/pubsub/{topic}", content);
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    private static async Task Reply(HttpContext context, string body, int status = 200)
    {
        context.Response.StatusCode = status;
        if (status != 204)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        }
    }
}
