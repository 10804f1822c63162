using System.Net;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Redis;

/// <summary>
/// At-least-once delivery over Redis Streams against a real redis-server: what each answer of the app does to the
/// message (acknowledged or left pending), the inbound retry policy, dead letters, and redelivery after a sidecar
/// or an app dies mid-message.
/// </summary>
public sealed class RedisDeliveryTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
        // A message published just as the subscription stops can be handed by Redis to the stopping reader's last
        // XREADGROUP: it is then pending without being delivered, and comes back after processingTimeout (nothing is
        // lost; 2 of 4 runs hit that window on a loaded machine). A short processingTimeout keeps it within the wait.
        await using var sidecar = await StartAsync("patient", port, topic, processing: ("2s", "200ms"), healthChecks: true);
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

    // What the app's answer does to the message, as daprd 1.17+ with components-contrib's Redis Streams: daprd's
    // handler returns an error for RETRY, an unknown status, a non-2xx other than 404 and a transport error, and
    // nothing for SUCCESS, a 2xx without status, DROP and 404 (pkg/runtime/subscription/postman/http); the component
    // acknowledges in both cases, and leaves the message pending only when its processing deadline passed first
    // (pubsub/redis processMessage, since contrib v1.17.0). Only a pending entry can be claimed again (XCLAIM);
    // XREADGROUP '>' never rereads: so "acknowledged" means "never redelivered".
    [Theory]
    [InlineData("SUCCESS")]
    [InlineData("no status")]
    [InlineData("DROP")]
    [InlineData("404")]
    [InlineData("RETRY")]
    [InlineData("unknown status")]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("connection refused")]
    public async Task Answer_WithoutRetryPolicy_IsAcknowledgedAfterOneDelivery_AndNeverRedelivered(string answer)
    {
        var topic = Topic();
        var group = "once-" + Guid.NewGuid().ToString("N")[..8];
        var app = await TestApp.StartAsync();
        var appDown = false;
        try
        {
            app.Handler = (request, context) => request.PathAndQuery == "/in" ? Answer(context, answer) : Task.CompletedTask;
            await using var sidecar = await StartAsync(group, app.Port, topic, processing: ("2s", "200ms"));
            await using var raw = await BioDapr.Redis.RedisConnection.ConnectAsync(new BioDapr.Redis.RedisOptions { Port = redis.Port }, Ct);
            if (answer == "connection refused")
            {
                // The app is gone and its port closed; no health checks, so the subscription stays and delivers.
                await app.DisposeAsync();
                appDown = true;
            }

            await PublishAsync(sidecar, topic);
            var id = (await raw.ExecuteAsync("XRANGE", [topic, "-", "+"], Ct)).Items.Single().Items[0].AsString();

            await Eventually.ReturnsAsync(
                () => GroupAsync(raw, topic, group),
                g => g.LastDelivered == id && g.Pending == 0,
                TimeSpan.FromSeconds(10),
                $"the message answered '{answer}' is read by the group and acknowledged");
            if (!appDown)
            {
                app.RequestsTo("/in").Count.ShouldBe(1, $"'{answer}' was delivered more than once");
            }
        }
        finally
        {
            if (!appDown)
            {
                await app.DisposeAsync();
            }
        }
    }

    // With an inbound retry policy the sidecar delivers again itself (daprd's resiliency runner around the
    // delivery); the message stays pending in Redis meanwhile and is acknowledged once the app takes it.
    [Theory]
    [InlineData("RETRY")]
    [InlineData("unknown status")]
    [InlineData("500")]
    [InlineData("connection refused")]
    public async Task Failure_WithInboundRetryPolicy_IsDeliveredAgainUntilTheAppTakesIt(string answer)
    {
        var topic = Topic();
        var group = "retried-" + Guid.NewGuid().ToString("N")[..8];
        var app = await TestApp.StartAsync();
        var port = app.Port;
        var attempts = 0;
        app.Handler = (request, context) => request.PathAndQuery == "/in"
            ? Answer(context, Interlocked.Increment(ref attempts) < 3 ? answer : "SUCCESS")
            : Task.CompletedTask;
        await using var sidecar = await StartAsync(group, port, topic, Yaml.InboundRetry("pubsub", maxRetries: 100, duration: "100ms"));
        await using var raw = await BioDapr.Redis.RedisConnection.ConnectAsync(new BioDapr.Redis.RedisOptions { Port = redis.Port }, Ct);
        if (answer == "connection refused")
        {
            await app.DisposeAsync();
        }

        await PublishAsync(sidecar, topic);
        var id = (await raw.ExecuteAsync("XRANGE", [topic, "-", "+"], Ct)).Items.Single().Items[0].AsString();
        if (answer == "connection refused")
        {
            // Read, refused, and still pending while the policy retries; then the app comes back on its port.
            await Eventually.ReturnsAsync(() => GroupAsync(raw, topic, group), g => g.LastDelivered == id && g.Pending == 1, TimeSpan.FromSeconds(10), "the refused message stays pending");
            app = await TestApp.StartAsync(port);
        }

        await using (app)
        {
            await Eventually.ReturnsAsync(() => GroupAsync(raw, topic, group), g => g.LastDelivered == id && g.Pending == 0, TimeSpan.FromSeconds(15), "the message is acknowledged once the app took it");
            if (answer == "connection refused")
            {
                app.RequestsTo("/in").Count.ShouldBe(1);
            }
            else
            {
                Volatile.Read(ref attempts).ShouldBe(3, $"two '{answer}' answers, then SUCCESS");
            }
        }
    }

    [Fact]
    public async Task Failure_OnceTheRetryPolicyIsExhausted_IsAcknowledged_AndNotRedelivered()
    {
        var topic = Topic();
        var group = "exhausted-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = await TestApp.StartAsync();
        app.Handler = (request, context) => request.PathAndQuery == "/in" ? Answer(context, "500") : Task.CompletedTask;
        await using var sidecar = await StartAsync(group, app.Port, topic, Yaml.InboundRetry("pubsub", maxRetries: 2), processing: ("2s", "200ms"));
        await using var raw = await BioDapr.Redis.RedisConnection.ConnectAsync(new BioDapr.Redis.RedisOptions { Port = redis.Port }, Ct);

        await PublishAsync(sidecar, topic);
        var id = (await raw.ExecuteAsync("XRANGE", [topic, "-", "+"], Ct)).Items.Single().Items[0].AsString();

        await Eventually.ReturnsAsync(() => GroupAsync(raw, topic, group), g => g.LastDelivered == id && g.Pending == 0, TimeSpan.FromSeconds(10), "given up after the retries");
        app.RequestsTo("/in").Count.ShouldBe(3, "one delivery and two retries");
    }

    private static Task Answer(HttpContext context, string answer) => answer switch
    {
        "SUCCESS" or "DROP" or "RETRY" => RedisLayoutTests.Reply(context, $$"""{"status":"{{answer}}"}"""),
        "no status" => RedisLayoutTests.Reply(context, "ok"),
        "unknown status" => RedisLayoutTests.Reply(context, """{"status":"retry"}"""),
        _ => RedisLayoutTests.Reply(context, "failed", int.Parse(answer, System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static async Task<(long Pending, string? LastDelivered)> GroupAsync(BioDapr.Redis.RedisConnection raw, string topic, string group)
    {
        var groups = await raw.ExecuteAsync("XINFO", ["GROUPS", topic], Ct);
        var fields = groups.Items.Select(RedisLayoutTests.Fields).Single(g => g["name"] == group);
        return (long.Parse(fields["pending"], System.Globalization.CultureInfo.InvariantCulture), fields["last-delivered-id"]);
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
