using System.Text.Json;
using BioDapr.Sidecar.SdkTests.Infrastructure;
using BioDapr.Testing;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using DaprStub = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace BioDapr.Sidecar.SdkTests;

/// <summary>
/// The actor methods of the gRPC API (through the generated client stub: Dapr.Actors itself speaks HTTP) and
/// HTTP bulk subscriptions, against the sidecar process, an HTTP app and Redis.
/// </summary>
public sealed class ActorsAndBulkSubscribeTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ActorMethods_OverGrpc_InvokeTheHostedActor_KeepItsState_AndFireItsReminder()
    {
        await using var app = await HttpTestApp.StartAsync();
        app.Handler = (method, path, body) => path switch
        {
            "/dapr/config" => (200, """{"entities":["Counter"],"actorIdleTimeout":"1h"}"""),
            _ when path.StartsWith("/actors/Counter/c1/method/add", StringComparison.Ordinal) => (200, body),
            _ => (200, string.Empty),
        };
        await using var sidecar = await SidecarProcess.StartAsync(
            "actors",
            new Dictionary<string, string> { ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host), ("actorStateStore", "true")) },
            appPort: app.Port);
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        var dapr = new DaprStub.DaprClient(channel);

        var answer = await dapr.InvokeActorAsync(new InvokeActorRequest { ActorType = "Counter", ActorId = "c1", Method = "add", Data = ByteString.CopyFromUtf8("""{"by":2}""") }, cancellationToken: Ct);
        answer.Data.ToStringUtf8().ShouldBe("""{"by":2}""");

        var transaction = new ExecuteActorStateTransactionRequest { ActorType = "Counter", ActorId = "c1" };
        transaction.Operations.Add(new TransactionalActorStateOperation { OperationType = "upsert", Key = "total", Value = new Google.Protobuf.WellKnownTypes.Any { Value = ByteString.CopyFromUtf8("2") } });
        await dapr.ExecuteActorStateTransactionAsync(transaction, cancellationToken: Ct);
        (await dapr.GetActorStateAsync(new GetActorStateRequest { ActorType = "Counter", ActorId = "c1", Key = "total" }, cancellationToken: Ct)).Data.ToStringUtf8().ShouldBe("2");

        await dapr.RegisterActorReminderAsync(new RegisterActorReminderRequest { ActorType = "Counter", ActorId = "c1", Name = "tick", DueTime = "0s", Period = "1h", Data = ByteString.CopyFromUtf8("5") }, cancellationToken: Ct);
        await Eventually.TrueAsync(() => app.Requests.Any(r => r.Path == "/actors/Counter/c1/method/remind/tick"), because: "the reminder should fire");
        await dapr.UnregisterActorReminderAsync(new UnregisterActorReminderRequest { ActorType = "Counter", ActorId = "c1", Name = "tick" }, cancellationToken: Ct);

        await dapr.RegisterActorTimerAsync(new RegisterActorTimerRequest { ActorType = "Counter", ActorId = "c1", Name = "t", DueTime = "0s", Period = "1h", Callback = "onTimer" }, cancellationToken: Ct);
        await Eventually.TrueAsync(() => app.Requests.Any(r => r.Path == "/actors/Counter/c1/method/timer/t"), because: "the timer should fire");

        var notHosted = await Should.ThrowAsync<RpcException>(async () => await dapr.RegisterActorReminderAsync(
            new RegisterActorReminderRequest { ActorType = "Other", ActorId = "x", Name = "r", DueTime = "1s" }, cancellationToken: Ct));
        notHosted.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        notHosted.Status.Detail.ShouldBe("operations on actor reminders are only possible on hosted actor types");
    }

    [Fact]
    public async Task ReminderQueries_OverGrpc_GetListAndUnregisterByType_AsDaprd()
    {
        await using var app = await HttpTestApp.StartAsync();
        app.Handler = (_, path, _) => path == "/dapr/config"
            ? (200, """{"entities":["Timer"],"actorIdleTimeout":"1h"}""")
            : (200, string.Empty);
        await using var sidecar = await SidecarProcess.StartAsync(
            "reminderqueries",
            new Dictionary<string, string> { ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host), ("actorStateStore", "true")) },
            appPort: app.Port);
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        var dapr = new DaprStub.DaprClient(channel);
        foreach (var (id, name) in new[] { ("a", "r2"), ("a", "r1"), ("b", "r1") })
        {
            await dapr.RegisterActorReminderAsync(
                new RegisterActorReminderRequest { ActorType = "Timer", ActorId = id, Name = name, DueTime = "1h", Period = "90m", Ttl = "2030-01-02T03:04:05Z", Data = ByteString.CopyFromUtf8("""{"n":1}""") },
                cancellationToken: Ct);
        }

        var reminder = await dapr.GetActorReminderAsync(new GetActorReminderRequest { ActorType = "Timer", ActorId = "a", Name = "r1" }, cancellationToken: Ct);
        reminder.ActorType.ShouldBe("Timer");
        reminder.ActorId.ShouldBe("a");
        reminder.DueTime.ShouldBe("1h");
        reminder.Period.ShouldBe("@every 1h30m0s");
        reminder.Ttl.ShouldBe("2030-01-02T03:04:05Z");
        reminder.Data.Unpack<Google.Protobuf.WellKnownTypes.BytesValue>().Value.ToStringUtf8().ShouldBe("""{"n":1}""");

        // The HTTP API reports the same reminder with the same values.
        using var http = new HttpClient();
        using var overHttp = JsonDocument.Parse(await http.GetStringAsync($"{sidecar.HttpEndpoint}/v1.0/actors/Timer/a/reminders/r1", Ct));
        overHttp.RootElement.GetProperty("period").GetString().ShouldBe(reminder.Period);
        overHttp.RootElement.GetProperty("ttl").GetString().ShouldBe(reminder.Ttl);

        var all = await dapr.ListActorRemindersAsync(new ListActorRemindersRequest { ActorType = "Timer" }, cancellationToken: Ct);
        all.Reminders.Select(r => $"{r.Reminder.ActorId}/{r.Name}").ShouldBe(["a/r1", "a/r2", "b/r1"]);
        var ofA = await dapr.ListActorRemindersAsync(new ListActorRemindersRequest { ActorType = "Timer", ActorId = "a" }, cancellationToken: Ct);
        ofA.Reminders.Select(r => r.Name).ShouldBe(["r1", "r2"]);

        await dapr.UnregisterActorRemindersByTypeAsync(new UnregisterActorRemindersByTypeRequest { ActorType = "Timer", ActorId = "a" }, cancellationToken: Ct);
        (await dapr.ListActorRemindersAsync(new ListActorRemindersRequest { ActorType = "Timer" }, cancellationToken: Ct)).Reminders
            .Select(r => $"{r.Reminder.ActorId}/{r.Name}").ShouldBe(["b/r1"]);

        var missing = await Should.ThrowAsync<RpcException>(async () => await dapr.GetActorReminderAsync(
            new GetActorReminderRequest { ActorType = "Timer", ActorId = "a", Name = "r1" }, cancellationToken: Ct));
        missing.StatusCode.ShouldBe(StatusCode.NotFound);
        missing.Status.Detail.ShouldBe("actor reminder not found: r1");

        await dapr.UnregisterActorRemindersByTypeAsync(new UnregisterActorRemindersByTypeRequest { ActorType = "Timer" }, cancellationToken: Ct);
        (await dapr.ListActorRemindersAsync(new ListActorRemindersRequest { ActorType = "Timer" }, cancellationToken: Ct)).Reminders.ShouldBeEmpty();

        var notHosted = await Should.ThrowAsync<RpcException>(async () => await dapr.ListActorRemindersAsync(
            new ListActorRemindersRequest { ActorType = "Other" }, cancellationToken: Ct));
        notHosted.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        notHosted.Status.Detail.ShouldBe("operations on actor reminders are only possible on hosted actor types");
    }

    [Fact]
    public async Task DeclarativeBulkSubscription_OverHttp_DeliversBatches_AndRetriesEntriesWithoutAStatus()
    {
        var topic = "bulk-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = await HttpTestApp.StartAsync();
        var answered = new HashSet<string>();
        app.Handler = (_, path, body) =>
        {
            if (path != "/bulk")
            {
                return (200, string.Empty);
            }

            // The first time an entry is seen it gets no status (daprd: retried); the second time SUCCESS.
            using var envelope = JsonDocument.Parse(body);
            var statuses = new List<object>();
            foreach (var entry in envelope.RootElement.GetProperty("entries").EnumerateArray())
            {
                var id = entry.GetProperty("event").GetProperty("id").GetString()!;
                lock (answered)
                {
                    if (!answered.Add(id))
                    {
                        statuses.Add(new { entryId = entry.GetProperty("entryId").GetString(), status = "SUCCESS" });
                    }
                }
            }

            return (200, JsonSerializer.Serialize(new { statuses }));
        };
        await using var sidecar = await SidecarProcess.StartAsync(
            "bulkhttp",
            new Dictionary<string, string>
            {
                ["pubsub.yaml"] = Yaml.Component("pubsub", "pubsub.redis", ("redisHost", redis.Host)),
                ["resiliency.yaml"] = $$"""
                    apiVersion: dapr.io/v1alpha1
                    kind: Resiliency
                    metadata: { name: fast }
                    spec:
                      policies:
                        retries:
                          again: { policy: constant, duration: 50ms, maxRetries: 3 }
                      targets:
                        components:
                          pubsub:
                            inbound: { retry: again }
                    """,
                ["subscription.yaml"] = $$"""
                    apiVersion: dapr.io/v2alpha1
                    kind: Subscription
                    metadata: { name: bulk }
                    spec:
                      pubsubname: pubsub
                      topic: {{topic}}
                      routes: { default: /bulk }
                      bulkSubscribe: { enabled: true, maxMessagesCount: 3, maxAwaitDurationMs: 200 }
                    """,
            },
            appPort: app.Port);
        using var client = sidecar.Client();
        for (var i = 0; i < 3; i++)
        {
            await client.PublishEventAsync("pubsub", topic, new { n = i }, Ct);
        }

        await Eventually.TrueAsync(() => app.Requests.Count(r => r.Path == "/bulk") >= 2, because: "the unanswered entries are delivered again");
        var first = JsonDocument.Parse(app.Requests.First(r => r.Path == "/bulk").Body).RootElement;
        first.GetProperty("type").GetString().ShouldBe("com.dapr.event.sent.bulk");
        first.GetProperty("topic").GetString().ShouldBe(topic);
        first.GetProperty("entries").EnumerateArray().ShouldAllBe(e => e.GetProperty("contentType").GetString() == "application/cloudevents+json");
        await using var connection = await redis.ConnectAsync();
        await Eventually.ReturnsAsync(
            async () => (await connection.GetDatabase().StreamPendingAsync(topic, "bulkhttp")).PendingMessageCount,
            pending => pending == 0,
            because: "every entry ends acknowledged");
        lock (answered)
        {
            answered.Count.ShouldBe(3);
        }
    }
}
