using System.Net;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;

namespace BioDapr.Sidecar.IntegrationTests.Redis;

/// <summary>At-least-once delivery over Redis Streams: RETRY, dead letters, and redelivery after a sidecar dies mid-message.</summary>
public sealed class RedisDeliveryTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retry_IsRedeliveredByTheInboundPolicy()
    {
        var topic = Topic();
        await using var app = await TestApp.StartAsync();
        var attempts = 0;
        app.Handler = (request, context) => request.PathAndQuery == "/in"
            ? RedisLayoutTests.Reply(context, Interlocked.Increment(ref attempts) < 3 ? """{"status":"RETRY"}""" : """{"status":"SUCCESS"}""")
            : Task.CompletedTask;
        await using var sidecar = await StartAsync("retrier", app.Port, topic, Yaml.InboundRetry("pubsub", 5));

        await PublishAsync(sidecar, topic);

        await Eventually.TrueAsync(() => Volatile.Read(ref attempts) == 3);
    }

    [Fact]
    public async Task Drop_GoesToTheDeadLetterTopicAsTheOriginalMessage()
    {
        var topic = Topic();
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/in" ? RedisLayoutTests.Reply(context, """{"status":"DROP"}""") : Task.CompletedTask;
        await using var sidecar = await StartAsync("dropper", app.Port, topic, deadLetter: topic + "-dlq");

        await PublishAsync(sidecar, topic);

        await Eventually.TrueAsync(() => app.RequestsTo("/dlq").Count == 1);
        app.RequestsTo("/dlq")[0].BodyText.ShouldContain("\"pubsubname\":\"pubsub\"");
    }

    [Fact]
    public async Task SidecarDyingMidMessage_LeavesItPending_AndTheNextSidecarRedeliversIt()
    {
        var topic = Topic();
        await using var app = await TestApp.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstRun = true;
        app.Handler = async (request, context) =>
        {
            if (request.PathAndQuery == "/in" && firstRun)
            {
                firstRun = false;
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        };

        var first = await StartAsync("survivor", app.Port, topic, processing: ("1s", "300ms"));
        await PublishAsync(first, topic);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The sidecar goes away while the app still holds the message: it must not be acknowledged.
        await first.DisposeAsync();
        await using var second = await StartAsync("survivor", app.Port, topic, processing: ("1s", "300ms"));

        await Eventually.TrueAsync(() => app.RequestsTo("/in").Count == 2, TimeSpan.FromSeconds(15), "the pending message is claimed and delivered again");
    }

    [Fact]
    public async Task AppDyingMidMessage_IsRedeliveredByTheRetryPolicyOnceTheAppIsBack()
    {
        var topic = Topic();
        var app = await TestApp.StartAsync();
        var port = app.Port;
        var inHandler = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Handler = async (request, context) =>
        {
            if (request.PathAndQuery == "/in")
            {
                inHandler.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        };
        await using var sidecar = await StartAsync("phoenix", port, topic, Yaml.InboundRetry("pubsub", maxRetries: 50, duration: "100ms"));
        await PublishAsync(sidecar, topic);
        await inHandler.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The app dies while it holds the message (its connections are torn down), then comes back.
        await app.DisposeAsync();
        await using var revived = await TestApp.StartAsync(port);

        await Eventually.TrueAsync(() => revived.RequestsTo("/in").Count >= 1, TimeSpan.FromSeconds(15), "the message reaches the restarted app");
    }

    [Fact]
    public async Task AppDown_WithAppHealthChecks_StopsSubscriptions_SoMessagesWaitForTheAppInsteadOfBeingLost()
    {
        // Without a retry policy a failed delivery is acknowledged: only pausing the subscription while
        // the app is down (daprd's app health checks) keeps the messages published meanwhile.
        var topic = Topic();
        var app = await TestApp.StartAsync();
        var port = app.Port;
        await using var sidecar = await StartAsync("patient", port, topic, healthChecks: true);
        await PublishAsync(sidecar, topic);
        await Eventually.TrueAsync(() => app.RequestsTo("/in").Count == 1);

        await app.DisposeAsync();
        await Eventually.TrueAsync(() => sidecar.Host.Runtime.Subscriptions.Active.Count == 0, TimeSpan.FromSeconds(10), "the probes mark the app unhealthy and stop the subscription");
        for (var i = 0; i < 3; i++)
        {
            await PublishAsync(sidecar, topic);
        }

        await using var revived = await TestApp.StartAsync(port);

        await Eventually.TrueAsync(() => revived.RequestsTo("/in").Count == 3, TimeSpan.FromSeconds(15), "every message published while the app was down reaches it");
        sidecar.Host.Runtime.Subscriptions.Active.Count.ShouldBe(1);
    }

    [Fact]
    public async Task HandlerSlowerThanProcessingTimeout_IsRedelivered()
    {
        var topic = Topic();
        await using var app = await TestApp.StartAsync();
        var calls = 0;
        app.Handler = async (request, context) =>
        {
            if (request.PathAndQuery == "/in" && Interlocked.Increment(ref calls) == 1)
            {
                // Longer than processingTimeout, then fail: the failure is not acknowledged.
                await Task.Delay(TimeSpan.FromMilliseconds(800), context.RequestAborted);
                context.Response.StatusCode = 500;
            }
        };
        await using var sidecar = await StartAsync("slowpoke", app.Port, topic, processing: ("400ms", "200ms"));

        await PublishAsync(sidecar, topic);

        await Eventually.TrueAsync(() => Volatile.Read(ref calls) >= 2, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task FastFailure_WithoutPolicyOrDeadLetter_IsAcknowledgedAsDapr117Does()
    {
        var topic = Topic();
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/in" ? RedisLayoutTests.Reply(context, "no", 500) : Task.CompletedTask;
        await using var sidecar = await StartAsync("acker", app.Port, topic, processing: ("400ms", "200ms"));
        await using var raw = await BioDapr.Redis.RedisConnection.ConnectAsync(new BioDapr.Redis.RedisOptions { Port = redis.Port }, Ct);

        await PublishAsync(sidecar, topic);

        await Eventually.TrueAsync(() => app.RequestsTo("/in").Count == 1);
        await Eventually.ReturnsAsync(async () => (await raw.ExecuteAsync("XPENDING", [topic, "acker"], Ct)).Items[0].Number, p => p == 0);
        app.RequestsTo("/in").Count.ShouldBe(1);
    }

    private async Task<TestSidecar> StartAsync(
        string appId, int appPort, string topic, string? resiliency = null, string? deadLetter = null, (string Processing, string Redeliver)? processing = null, bool healthChecks = false)
    {
        var (processingTimeout, redeliver) = processing ?? ("60s", "15s");
        var resources = new Dictionary<string, string>
        {
            ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", ("redisHost", redis.Host), ("processingTimeout", processingTimeout), ("redeliverInterval", redeliver)),
            ["sub.yaml"] = Yaml.Subscription("pubsub", topic, "/in", deadLetter),
        };
        if (deadLetter is not null)
        {
            resources["dlq.yaml"] = Yaml.Subscription("pubsub", deadLetter, "/dlq", name: "dlq");
        }

        if (resiliency is not null)
        {
            resources["resiliency.yaml"] = resiliency;
        }

        var sidecar = await TestSidecar.StartAsync(
            appId,
            resources,
            appPort,
            configure: healthChecks
                ? s => s with { EnableAppHealthCheck = true, AppHealthCheckPath = "/healthz", AppHealthProbeInterval = TimeSpan.FromMilliseconds(100), AppHealthThreshold = 2 }
                : null);
        await sidecar.WaitUntilReadyAsync();
        return sidecar;
    }

    private static async Task PublishAsync(TestSidecar sidecar, string topic)
    {
        using var response = await sidecar.Client.PostAsync($"/v1.0/publish/pubsub/{topic}", new StringContent("""{"n":1}""", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    private static string Topic() => "topic-" + Guid.NewGuid().ToString("N");
}
