using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Testing;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Actors;

/// <summary>
/// The development sidecar's actor runtime against a hand-written actor host and a real redis-server:
/// turn-based concurrency, state, persisted reminders, timers, placement across sidecars and daprd's errors.
/// </summary>
public sealed class ActorSidecarTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallsOnOneId_NeverOverlap_WhileDifferentIdsRunInParallel()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Worker"));
        var inFlightPerId = new Dictionary<string, int>();
        var maxPerId = 0;
        var inFlight = 0;
        var maxInFlight = 0;
        var gate = new object();
        host.OnMethod = async (_, id, _, _, context) =>
        {
            lock (gate)
            {
                inFlightPerId[id] = inFlightPerId.GetValueOrDefault(id) + 1;
                maxPerId = Math.Max(maxPerId, inFlightPerId[id]);
                maxInFlight = Math.Max(maxInFlight, ++inFlight);
            }

            await Task.Delay(40, context.RequestAborted);
            lock (gate)
            {
                inFlightPerId[id]--;
                inFlight--;
            }
        };
        await using var sidecar = await StartAsync("workers", host.Port);

        var sameId = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => sidecar.Client.PutAsync("/v1.0/actors/Worker/one/method/work", null, Ct)));
        var sameIdMax = maxPerId;
        var manyIds = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => sidecar.Client.PutAsync($"/v1.0/actors/Worker/id-{i}/method/work", null, Ct)));

        sameId.Concat(manyIds).ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        sameIdMax.ShouldBe(1);
        maxPerId.ShouldBe(1);
        maxInFlight.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task MethodCalls_ArePut_WithTheCallersBodyHeadersAndQuery_AndTheAnswerComesBack()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Echo"));
        ReceivedRequest? seen = null;
        host.OnMethod = async (_, _, _, request, context) =>
        {
            seen = request;
            context.Response.Headers["X-Answer"] = "42";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"ok\":true}", context.RequestAborted);
        };
        await using var sidecar = await StartAsync("echo", host.Port);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/actors/Echo/e1/method/say?loud=1") { Content = new StringContent("{\"text\":\"hi\"}", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Custom", "abc");
        using var response = await sidecar.Client.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("{\"ok\":true}");
        response.Headers.GetValues("X-Answer").ShouldBe(["42"]);
        seen.ShouldNotBeNull();
        seen.Method.ShouldBe("PUT");
        seen.PathAndQuery.ShouldBe("/actors/Echo/e1/method/say?loud=1");
        seen.BodyText.ShouldBe("{\"text\":\"hi\"}");
        seen.Headers["X-Custom"].ShouldBe("abc");
        seen.Headers["Content-Type"].ShouldStartWith("application/json");
    }

    [Fact]
    public async Task UnknownType_IsErrActorNoAddress_AndAMethodTheAppDoesNotHave_IsErrActorInvokeMethod()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Known"));
        host.OnMethod = (_, _, method, _, context) =>
        {
            context.Response.StatusCode = method == "missing" ? 404 : 200;
            return Task.CompletedTask;
        };
        await using var sidecar = await StartAsync("errors", host.Port);

        var unknownType = await sidecar.Client.PutAsync("/v1.0/actors/Nobody/x/method/m", null, Ct);
        var unknownMethod = await sidecar.Client.PutAsync("/v1.0/actors/Known/x/method/missing", null, Ct);

        unknownType.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorCode(unknownType)).ShouldBe("ERR_ACTOR_NO_ADDRESS");
        unknownMethod.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await ErrorCode(unknownMethod)).ShouldBe("ERR_ACTOR_INVOKE_METHOD");
    }

    [Fact]
    public async Task OnlyExactly200_IsSuccess_And_XDaprErrorResponseHeader_PassesTheAppsAnswerThrough()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Picky"));
        host.OnMethod = async (_, _, method, _, context) =>
        {
            if (method == "nocontent")
            {
                context.Response.StatusCode = 204;
                return;
            }

            context.Response.StatusCode = 422;
            context.Response.Headers["X-DaprErrorResponseHeader"] = "true";
            await context.Response.WriteAsync("{\"reason\":\"bad order\"}", context.RequestAborted);
        };
        await using var sidecar = await StartAsync("picky", host.Port);

        var noContent = await sidecar.Client.PutAsync("/v1.0/actors/Picky/p/method/nocontent", null, Ct);
        var appError = await sidecar.Client.PutAsync("/v1.0/actors/Picky/p/method/fail", null, Ct);

        noContent.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        var error = await noContent.Content.ReadAsStringAsync(Ct);
        error.ShouldContain("ERR_ACTOR_INVOKE_METHOD");
        error.ShouldContain("error from actor service: (204)");
        appError.StatusCode.ShouldBe((HttpStatusCode)422);
        (await appError.Content.ReadAsStringAsync(Ct)).ShouldBe("{\"reason\":\"bad order\"}");
    }

    [Fact]
    public async Task State_SurvivesDeactivation_AndASidecarRestart()
    {
        var config = ActorHostApp.ConfigFor("Account", idle: "400ms");
        await using var host = await ActorHostApp.StartAsync(config);
        var id = "acct-" + Guid.NewGuid().ToString("N")[..8];
        await using (var sidecar = await StartAsync("bank", host.Port))
        {
            // The state API needs the actor active on this sidecar.
            var notActive = await Transaction(sidecar, id, """[{"operation":"upsert","request":{"key":"balance","value":10}}]""");
            notActive.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await ErrorCode(notActive)).ShouldBe("ERR_ACTOR_INSTANCE_MISSING");

            (await sidecar.Client.PutAsync($"/v1.0/actors/Account/{id}/method/open", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await Transaction(sidecar, id, """[{"operation":"upsert","request":{"key":"balance","value":{"amount":125}}},{"operation":"upsert","request":{"key":"gone","value":1}},{"operation":"delete","request":{"key":"gone"}}]""")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

            await Eventually.TrueAsync(() => host.CallbacksTo($"/actors/Account/{id}").Any(c => c.Method == "DELETE"), because: "the idle actor is deactivated");
            var afterDeactivation = await sidecar.Client.GetAsync($"/v1.0/actors/Account/{id}/state/balance", Ct);
            afterDeactivation.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await afterDeactivation.Content.ReadAsStringAsync(Ct)).ShouldBe("{\"amount\":125}");
            (await sidecar.Client.GetAsync($"/v1.0/actors/Account/{id}/state/gone", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        await using var restarted = await StartAsync("bank", host.Port);
        var afterRestart = await restarted.Client.GetAsync($"/v1.0/actors/Account/{id}/state/balance", Ct);
        (await afterRestart.Content.ReadAsStringAsync(Ct)).ShouldBe("{\"amount\":125}");
        afterRestart.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
    }

    [Fact]
    public async Task AReminderRegisteredBeforeARestart_FiresAfterIt_WithOnlyItsData()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Alarm"));
        var id = "alarm-" + Guid.NewGuid().ToString("N")[..8];
        await using (var first = await StartAsync("alarms", host.Port))
        {
            var created = await first.Client.PostAsync($"/v1.0/actors/Alarm/{id}/reminders/wake", Json("""{"dueTime":"1500ms","data":{"note":"coffee"}}"""), Ct);
            created.StatusCode.ShouldBe(HttpStatusCode.NoContent);
            var read = await first.Client.GetAsync($"/v1.0/actors/Alarm/{id}/reminders/wake", Ct);
            using var reminder = JsonDocument.Parse(await read.Content.ReadAsStringAsync(Ct));
            reminder.RootElement.GetProperty("actorID").GetString().ShouldBe(id);
            reminder.RootElement.GetProperty("dueTime").GetString().ShouldBe("1500ms");
            reminder.RootElement.GetProperty("data").GetProperty("note").GetString().ShouldBe("coffee");
        }

        host.CallbacksTo($"/actors/Alarm/{id}/method/remind/").ShouldBeEmpty();
        await using var second = await StartAsync("alarms", host.Port);

        await Eventually.TrueAsync(() => host.CallbacksTo($"/actors/Alarm/{id}/method/remind/wake").Count == 1, TimeSpan.FromSeconds(10), "the persisted reminder fires after the restart");
        var fired = host.CallbacksTo($"/actors/Alarm/{id}/method/remind/wake")[0];
        fired.Method.ShouldBe("PUT");
        fired.BodyText.ShouldBe("""{"dueTime":"","period":"","data":{"note":"coffee"}}""");
        await Eventually.ReturnsAsync(() => second.Client.GetAsync($"/v1.0/actors/Alarm/{id}/reminders/wake", Ct), r => r.StatusCode == HttpStatusCode.NotFound, because: "a one-shot reminder is removed after it fired");
    }

    [Fact]
    public async Task PeriodicReminder_RepeatsTheGivenNumberOfTimes_AndDayUnitsAreRejected()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Ticker"));
        await using var sidecar = await StartAsync("ticker", host.Port);
        var id = "t-" + Guid.NewGuid().ToString("N")[..8];

        (await sidecar.Client.PostAsync($"/v1.0/actors/Ticker/{id}/reminders/tick", Json("""{"dueTime":"0s","period":"R3/PT1S"}"""), Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var days = await sidecar.Client.PostAsync($"/v1.0/actors/Ticker/{id}/reminders/daily", Json("""{"period":"P1D"}"""), Ct);

        await Eventually.TrueAsync(() => host.CallbacksTo($"/actors/Ticker/{id}/method/remind/tick").Count == 3);
        await Eventually.ReturnsAsync(() => sidecar.Client.GetAsync($"/v1.0/actors/Ticker/{id}/reminders/tick", Ct), r => r.StatusCode == HttpStatusCode.NotFound);
        days.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await ErrorCode(days)).ShouldBe("ERR_ACTOR_REMINDER_CREATE");
    }

    [Fact]
    public async Task ManyOneShotReminders_FiringTogether_EachFireExactlyOnce()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Burst"));
        await using var sidecar = await StartAsync("burst", host.Port);
        var due = DateTimeOffset.UtcNow.AddMilliseconds(800).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

        var created = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            sidecar.Client.PostAsync($"/v1.0/actors/Burst/b{i}/reminders/once", Json("{\"dueTime\":\"" + due + "\"}"), Ct)));

        created.ShouldAllBe(r => r.StatusCode == HttpStatusCode.NoContent);
        await Eventually.TrueAsync(() => host.CallbacksTo("/actors/Burst/").Count >= 40);
        await Eventually.ReturnsAsync(() => sidecar.Client.GetAsync("/v1.0/actors/Burst/b39/reminders/once", Ct), r => r.StatusCode == HttpStatusCode.NotFound);
        await Task.Delay(1500, Ct);
        host.CallbacksTo("/actors/Burst/").GroupBy(c => c.PathAndQuery).ShouldAllBe(g => g.Count() == 1);
        host.CallbacksTo("/actors/Burst/").Count.ShouldBe(40);
    }

    [Fact]
    public async Task Reminders_OnATypeThisAppDoesNotHost_Are403()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Mine"));
        await using var sidecar = await StartAsync("hoster", host.Port);

        var response = await sidecar.Client.PostAsync("/v1.0/actors/Theirs/x/reminders/r", Json("""{"dueTime":"1s"}"""), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ErrorCode(response)).ShouldBe("ERR_ACTOR_REMINDER_NON_HOSTED");
    }

    [Fact]
    public async Task Timers_FireWhileActive_AndStopWhenTheActorDeactivates()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Blinker", idle: "500ms"));
        await using var sidecar = await StartAsync("blinker", host.Port);

        (await sidecar.Client.PostAsync("/v1.0/actors/Blinker/fast/timers/blink", Json("""{"dueTime":"0s","period":"100ms","callback":"Blink","data":7}"""), Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await sidecar.Client.PostAsync("/v1.0/actors/Blinker/slow/timers/late", Json("""{"dueTime":"3s","callback":"Late"}"""), Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await Eventually.TrueAsync(() => host.CallbacksTo("/actors/Blinker/fast/method/timer/blink").Count >= 3);
        host.CallbacksTo("/actors/Blinker/fast/method/timer/blink")[0].BodyText.ShouldBe("""{"callback":"Blink","data":7,"dueTime":"0s","period":"100ms"}""");
        (await sidecar.Client.DeleteAsync("/v1.0/actors/Blinker/fast/timers/blink", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // "slow" is idle for 500ms, long before its timer is due: deactivation stops the timer.
        await Eventually.TrueAsync(() => host.CallbacksTo("/actors/Blinker/slow").Any(c => c.Method == "DELETE"));
        await Task.Delay(3500, Ct);
        host.CallbacksTo("/actors/Blinker/slow/method/timer/").ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("run-secret")]
    public async Task TwoSidecars_PlaceEachIdOnOneHost_AndForwardCalls(string? runSecret)
    {
        var registry = Directory.CreateTempSubdirectory("biodapr-placement-").FullName;
        await using var hostA = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Shard"));
        await using var hostB = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Shard"));
        hostA.OnMethod = (_, _, _, _, context) => context.Response.WriteAsync("\"a\"", context.RequestAborted);
        hostB.OnMethod = (_, _, _, _, context) => context.Response.WriteAsync("\"b\"", context.RequestAborted);
        await using var sidecarA = await StartAsync("shard-a", hostA.Port, registry, runSecret);
        await using var sidecarB = await StartAsync("shard-b", hostB.Port, registry, runSecret);
        await sidecarA.WaitUntilReadyAsync();
        await sidecarB.WaitUntilReadyAsync();

        var viaA = new List<string>();
        var viaB = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            viaA.Add(await Where(sidecarA, i));
            viaB.Add(await Where(sidecarB, i));
        }

        viaA.ShouldBe(viaB);
        viaA.ShouldContain("\"a\"");
        viaA.ShouldContain("\"b\"");
    }

    [Fact]
    public async Task ReentrantChains_MayReenterTheActorTheyHold()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Loop", reentrancy: true));
        TestSidecar? sidecar = null;
        host.OnMethod = async (type, id, method, request, context) =>
        {
            if (method == "outer")
            {
                using var inner = new HttpRequestMessage(HttpMethod.Put, $"/v1.0/actors/{type}/{id}/method/inner");
                inner.Headers.Add("Dapr-Reentrancy-Id", request.Headers["Dapr-Reentrancy-Id"]);
                using var answer = await sidecar!.Client.SendAsync(inner, context.RequestAborted);
                await context.Response.WriteAsync(await answer.Content.ReadAsStringAsync(context.RequestAborted), context.RequestAborted);
                return;
            }

            await context.Response.WriteAsync("\"inner done\"", context.RequestAborted);
        };
        sidecar = await StartAsync("loops", host.Port);
        await using var owned = sidecar;

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromSeconds(10));
        var response = await sidecar.Client.PutAsync("/v1.0/actors/Loop/l1/method/outer", null, cancel.Token);

        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("\"inner done\"");
    }

    [Fact]
    public async Task WithoutAnActorStateStore_ActorCallsAreErrActorRuntimeNotFound()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Lonely"));
        await using var sidecar = await TestSidecar.StartAsync("no-actors", new Dictionary<string, string> { ["pubsub.yaml"] = Yaml.InMemoryPubSub() }, host.Port);
        await sidecar.WaitUntilReadyAsync();

        var response = await sidecar.Client.PutAsync("/v1.0/actors/Lonely/x/method/m", null, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await ErrorCode(response)).ShouldBe("ERR_ACTOR_RUNTIME_NOT_FOUND");
        host.App.RequestsTo("/dapr/config").ShouldBeEmpty();
    }

    [Fact]
    public async Task Metadata_ReportsTheActiveActorsPerType()
    {
        await using var host = await ActorHostApp.StartAsync(ActorHostApp.ConfigFor("Counted"));
        await using var sidecar = await StartAsync("counted", host.Port);
        await sidecar.Client.PutAsync("/v1.0/actors/Counted/a/method/m", null, Ct);
        await sidecar.Client.PutAsync("/v1.0/actors/Counted/b/method/m", null, Ct);

        using var metadata = JsonDocument.Parse(await sidecar.Client.GetStringAsync("/v1.0/metadata", Ct));

        var runtime = metadata.RootElement.GetProperty("actorRuntime");
        runtime.GetProperty("runtimeStatus").GetString().ShouldBe("RUNNING");
        runtime.GetProperty("activeActors")[0].GetProperty("type").GetString().ShouldBe("Counted");
        runtime.GetProperty("activeActors")[0].GetProperty("count").GetInt32().ShouldBe(2);
    }

    private async Task<TestSidecar> StartAsync(string appId, int appPort, string? registry = null, string? runSecret = null)
    {
        var sidecar = await TestSidecar.StartAsync(
            appId,
            new Dictionary<string, string>
            {
                ["state.yaml"] = Yaml.Component("statestore", "state.redis", ("redisHost", redis.Host), ("actorStateStore", "true")),
            },
            appPort,
            nameResolutionDirectory: registry,
            configure: s => s with { InternalSecret = runSecret });
        await sidecar.WaitUntilReadyAsync();
        return sidecar;
    }

    private static async Task<string> Where(TestSidecar sidecar, int shard)
    {
        using var response = await sidecar.Client.PutAsync($"/v1.0/actors/Shard/s{shard}/method/where", null, Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static Task<HttpResponseMessage> Transaction(TestSidecar sidecar, string id, string operations) =>
        sidecar.Client.PostAsync($"/v1.0/actors/Account/{id}/state", Json(operations), Ct);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string?> ErrorCode(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return document.RootElement.GetProperty("errorCode").GetString();
    }
}
