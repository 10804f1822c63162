using System.Net;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Ingress;
using BioDapr.Cell.Pathways;
using BioDapr.Contracts.Events;
using BioDapr.Pathways.Policies;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BioDapr.Cell.Tests;

/// <summary>Pathways, admission, pathogens and vital signs of a cell, driven by hormones.</summary>
public sealed class PathwaysAndIngressTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AHormoneChange_AppliesToTheNextCall_AndKeepsTheBreakerOpen()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddPathway("inventory"),
            configuration: new()
            {
                ["test-cell.pathways.inventory.maxRetries"] = "0",
                ["test-cell.pathways.inventory.breakerMinThroughput"] = "2",
                ["test-cell.pathways.inventory.breakerBreakMs"] = "60000",
            });
        cell.Sidecar.RespondWith(request => request.Path.StartsWith("/v1.0/invoke/", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            : new HttpResponseMessage(HttpStatusCode.NoContent));
        var pathway = cell.App.Services.GetRequiredService<CellPathways>()["inventory"];

        var first = await pathway.InvokeAsync(HttpMethod.Get, "stock/a", null, Ct);
        var second = await pathway.InvokeAsync(HttpMethod.Get, "stock/a", null, Ct);
        var callsBeforeChange = InvocationCount(cell);
        await Update(cell, "test-cell.pathways.inventory.timeoutMs", "750", () => pathway.Hormones.Current.TimeoutMs == 750);
        var third = await pathway.InvokeAsync(HttpMethod.Get, "stock/a", null, Ct);

        first.Outcome.ShouldBe(PathwayOutcome.ServerError);
        second.Outcome.ShouldBe(PathwayOutcome.ServerError);
        pathway.Hormones.Current.TimeoutMs.ShouldBe(750);
        third.Outcome.ShouldBe(PathwayOutcome.BreakerOpen);
        InvocationCount(cell).ShouldBe(callsBeforeChange);
        cell.Sidecar.Requests.First(r => r.Path.StartsWith("/v1.0/invoke/", StringComparison.Ordinal)).Path.ShouldBe("/v1.0/invoke/inventory/method/stock/a");
    }

    [Fact]
    public async Task ATargetThatSheds_503WithRetryAfterAndNoBody_IsShed_NotRetriedAtOnce_AndDoesNotOpenTheBreaker()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddPathway("orders"),
            configuration: new()
            {
                ["test-cell.pathways.orders.maxRetries"] = "2",
                ["test-cell.pathways.orders.breakerMinThroughput"] = "2",
                ["test-cell.pathways.orders.breakerBreakMs"] = "60000",
            });
        cell.Sidecar.RespondWith(request =>
        {
            var shed = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            shed.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return shed;
        });
        var pathway = cell.App.Services.GetRequiredService<CellPathways>()["orders"];

        var outcomes = new List<PathwayOutcome>();
        for (var i = 0; i < 10; i++)
        {
            using var result = (await pathway.InvokeAsync(HttpMethod.Get, "orders/a", null, Ct)).Value;
        }

        for (var i = 0; i < 3; i++)
        {
            var result = await pathway.InvokeAsync(HttpMethod.Get, "orders/a", null, Ct);
            result.Value?.Dispose();
            outcomes.Add(result.Outcome);
        }

        // Every call reached orders once (no retry into a full admission) and the breaker never opened.
        outcomes.ShouldAllBe(o => o == PathwayOutcome.Shed);
        InvocationCount(cell).ShouldBe(13);
        pathway.State.Breaker.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void OnlyAnEmpty503WithRetryAfter_IsShedding_AnOutageOrAProblemAnswerIsAServerError()
    {
        static HttpResponseMessage Answer(HttpStatusCode status, bool retryAfter, string? problem)
        {
            var response = new HttpResponseMessage(status);
            if (retryAfter)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            }

            if (problem is not null)
            {
                response.Content = new StringContent(problem, System.Text.Encoding.UTF8, "application/problem+json");
            }

            return response;
        }

        CellPathway.Classify(Answer(HttpStatusCode.ServiceUnavailable, retryAfter: true, problem: null)).ShouldBe(PathwayOutcome.Shed);
        CellPathway.Classify(Answer(HttpStatusCode.ServiceUnavailable, retryAfter: false, problem: null)).ShouldBe(PathwayOutcome.ServerError);
        CellPathway.Classify(Answer(HttpStatusCode.ServiceUnavailable, retryAfter: true, problem: """{"title":"Contended"}""")).ShouldBe(PathwayOutcome.ServerError);
        CellPathway.Classify(Answer(HttpStatusCode.InternalServerError, retryAfter: true, problem: null)).ShouldBe(PathwayOutcome.ServerError);
        CellPathway.Classify(Answer(HttpStatusCode.TooManyRequests, retryAfter: true, problem: null)).ShouldBe(PathwayOutcome.ClientError);
        CellPathway.Classify(Answer(HttpStatusCode.OK, retryAfter: false, problem: null)).ShouldBe(PathwayOutcome.Success);
    }

    [Fact]
    public async Task APostWithoutAnIdempotencyKey_IsSentOnce_WithAKeyItIsRetried_AndAGetIsRetried()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddPathway("inventory"),
            configuration: new()
            {
                ["test-cell.pathways.inventory.maxRetries"] = "2",
                ["test-cell.pathways.inventory.retryBaseDelayMs"] = "0",
                ["test-cell.pathways.inventory.retryBudgetMinPerSecond"] = "100",
                ["test-cell.pathways.inventory.breakerEnabled"] = "false",
            });
        cell.Sidecar.RespondWith(request => request.Path.StartsWith("/v1.0/invoke/", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            : new HttpResponseMessage(HttpStatusCode.NoContent));
        var pathway = cell.App.Services.GetRequiredService<CellPathways>()["inventory"];

        var unkeyed = await pathway.InvokeAsync(HttpMethod.Post, "reservations", new { sku = "a" }, Ct);
        var afterUnkeyed = InvocationCount(cell);
        var keyed = await pathway.InvokeAsync(HttpMethod.Post, "reservations", new { sku = "a" }, new Dictionary<string, string> { ["Idempotency-Key"] = "k1" }, Ct);
        var afterKeyed = InvocationCount(cell);
        var read = await pathway.InvokeAsync(HttpMethod.Get, "stock/a", null, Ct);

        unkeyed.Outcome.ShouldBe(PathwayOutcome.ServerError);
        afterUnkeyed.ShouldBe(1);
        keyed.Attempts.ShouldBe(3);
        (afterKeyed - afterUnkeyed).ShouldBe(3);
        cell.Sidecar.Requests.Where(r => r.Path.EndsWith("/reservations", StringComparison.Ordinal)).Skip(1).ShouldAllBe(r => r.Header("Idempotency-Key") == "k1");
        (InvocationCount(cell) - afterKeyed).ShouldBe(3);
        read.Outcome.ShouldBe(PathwayOutcome.ServerError);
    }

    [Fact]
    public async Task RightAfterTheWarmUp_SlowCallsDoNotOpenTheBreaker_TimeoutsAreLonger_AndTheLimitStartsLow()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddPathway("inventory"),
            configuration: new()
            {
                ["test-cell.pathways.inventory.maxRetries"] = "0",
                ["test-cell.pathways.inventory.breakerMinThroughput"] = "2",
                ["test-cell.pathways.inventory.breakerBreakMs"] = "60000",
                ["test-cell.pathways.inventory.timeoutMs"] = "100",
                ["test-cell.pathways.inventory.concurrencyLimit"] = "100",
            },
            settings: new() { ["Cell:Warmup:ColdStart"] = "00:10:00", ["Cell:Warmup:ColdTimeoutFactor"] = "3", ["Cell:Warmup:InitialLimit"] = "10" });
        cell.Sidecar.RespondWith(request => request.Path.StartsWith("/v1.0/invoke/", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            : new HttpResponseMessage(HttpStatusCode.NoContent));
        var pathway = cell.App.Services.GetRequiredService<CellPathways>()["inventory"];

        var outcomes = new List<PathwayOutcome>();
        for (var i = 0; i < 4; i++)
        {
            outcomes.Add((await pathway.InvokeAsync(HttpMethod.Get, "stock/a", null, Ct)).Outcome);
        }

        // Cold: the breaker needs 3 x 2 calls, attempts get 3 x 100 ms, and the slow start allows 10 calls (failures do not grow it).
        outcomes.ShouldAllBe(o => o == PathwayOutcome.ServerError);
        // (The window eases them back in real time: a few seconds out of ten minutes.)
        pathway.State.Hormones().TimeoutMs.ShouldBeInRange(290, 300);
        pathway.State.Hormones().BreakerMinThroughput.ShouldBeInRange(5, 6);
        pathway.State.Hormones().ConcurrencyLimit.ShouldBe(10);
        pathway.Hormones.Current.TimeoutMs.ShouldBe(100);
    }

    [Fact]
    public async Task BeyondTheWorkerSlots_RequestsAreShedAtOnce_WithRetryAfter()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app => app.MapGet("/work", async () =>
            {
                entered.TrySetResult();
                await release.Task;
                return Results.Ok();
            }),
            configuration: new() { ["test-cell.admission.maxConcurrency"] = "1", ["test-cell.admission.retryAfterSeconds"] = "2" });

        var holding = cell.Client.GetAsync("/work", Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        using var shed = await cell.Client.GetAsync("/work", Ct);
        release.SetResult();
        using var served = await holding;
        using var health = await cell.Client.GetAsync("/healthz", Ct);

        shed.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        shed.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(2));
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task EventDeliveries_TakeNoWorkerSlot_AndAreNotShed_WhileRequestsBeyondTheSlotsAre()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var eventsHeld = 0;
        var eventsEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app =>
            {
                app.MapGet("/work", async () =>
                {
                    entered.TrySetResult();
                    await release.Task;
                    return Results.Ok();
                });
                app.MapPost("/events/paid", async () =>
                {
                    if (Interlocked.Increment(ref eventsHeld) == 2)
                    {
                        eventsEntered.TrySetResult();
                    }

                    await release.Task;
                    return BioDapr.Cell.Events.TopicResults.Success();
                }).WithTopic("pubsub", "payments");
            },
            configuration: new() { ["test-cell.admission.maxConcurrency"] = "1" });

        // A request holds the only slot.
        var holding = cell.Client.GetAsync("/work", Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // Two deliveries at once still get in (they would both have been shed), and so does nothing else.
        var deliveries = new[] { DeliverAsync(cell, "e-1"), DeliverAsync(cell, "e-2") };
        await eventsEntered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        using var shed = await cell.Client.GetAsync("/work", Ct);
        release.SetResult();
        var delivered = await Task.WhenAll(deliveries);
        using var served = await holding;

        shed.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "a request beyond the slot is still shed");
        foreach (var delivery in delivered)
        {
            delivery.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await delivery.Content.ReadAsStringAsync(Ct)).ShouldBe("""{"status":"SUCCESS"}""");
            delivery.Dispose();
        }

        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        // Nothing leaked: the deliveries never entered the gate, so they did not return a slot they had not taken.
        cell.App.Services.GetRequiredService<AdmissionGate>().InFlight.ShouldBe(0);
    }

    private static async Task<HttpResponseMessage> DeliverAsync(TestCell cell, string id)
    {
        using var content = new StringContent($$"""{"id":"{{id}}","source":"payments","type":"t.v1","specversion":"1.0","datacontenttype":"application/json","data":{ } }""", System.Text.Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json");
        return await cell.Client.PostAsync("/events/paid", content, Ct);
    }

    [Fact]
    public async Task WithAQueueLimit_RequestsWaitForASlotInOrder_AndOnlyAFullQueueSheds()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var served = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app => app.MapGet("/work/{id}", async (string id) =>
            {
                served.Enqueue(id);
                await release.Task;
                return Results.Ok();
            }),
            configuration: new() { ["test-cell.admission.maxConcurrency"] = "1", ["test-cell.admission.queueLimit"] = "2" });
        var gate = cell.App.Services.GetRequiredService<AdmissionGate>();

        var first = cell.Client.GetAsync("/work/1", Ct);
        await Eventually.TrueAsync(() => served.Count == 1, TimeSpan.FromSeconds(10), "the first request holds the slot");
        var second = cell.Client.GetAsync("/work/2", Ct);
        await Eventually.TrueAsync(() => gate.Queued == 1, TimeSpan.FromSeconds(10), "the second waits");
        var third = cell.Client.GetAsync("/work/3", Ct);
        await Eventually.TrueAsync(() => gate.Queued == 2, TimeSpan.FromSeconds(10), "the third waits behind it");
        using var shed = await cell.Client.GetAsync("/work/4", Ct);
        release.SetResult();
        using var firstServed = await first;
        using var secondServed = await second;
        using var thirdServed = await third;

        shed.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "the queue was full");
        new[] { firstServed, secondServed, thirdServed }.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        served.ShouldBe(["1", "2", "3"]);
        gate.InFlight.ShouldBe(0);
    }

    [Fact]
    public async Task TheAdmissionGate_HandsSlotsToTheOldestWaiter_AdmitsOnARaisedLimit_AndForgetsACancelledWaiter()
    {
        var gate = new AdmissionGate();
        (await gate.EnterAsync(1, 10, Ct)).ShouldBeTrue();
        using var leaving = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(1, 10, leaving.Token).AsTask();
        var older = gate.EnterAsync(1, 10, Ct).AsTask();
        var younger = gate.EnterAsync(1, 10, Ct).AsTask();
        gate.Queued.ShouldBe(3);

        await leaving.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(cancelled);
        gate.Queued.ShouldBe(2);
        gate.Exit();
        (await older.WaitAsync(TimeSpan.FromSeconds(5), Ct)).ShouldBeTrue();
        younger.IsCompleted.ShouldBeFalse("one slot, and the older waiter took it");
        (await gate.EnterAsync(2, 0, Ct)).ShouldBeFalse("a newcomer does not overtake a waiter (and may not queue)");
        (await younger.WaitAsync(TimeSpan.FromSeconds(5), Ct)).ShouldBeTrue("raising the limit to 2 admitted the waiter");
        gate.InFlight.ShouldBe(2);
        (await gate.EnterAsync(2, 0, Ct)).ShouldBeFalse("no queue: shed");
    }

    [Fact]
    public async Task Pathogens_OutageAndErrorRate_FailRequests_ButNotTheSidecarsCalls()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app => app.MapGet("/work", () => Results.Ok()),
            configuration: new() { ["test-cell.pathogens.errorRate"] = "1" });

        using var failing = await cell.Client.GetAsync("/work", Ct);
        var pathogens = cell.App.Services.GetRequiredService<BioDapr.Cell.Hormones.IHormones<PathogenHormones>>();
        await Update(cell, "test-cell.pathogens.errorRate", "0", () => pathogens.Current.ErrorRate == 0);
        using var healed = await cell.Client.GetAsync("/work", Ct);
        await Update(cell, "test-cell.pathogens.outage", "true", () => pathogens.Current.Outage);
        using var outage = await cell.Client.GetAsync("/work", Ct);
        using var subscribe = await cell.Client.GetAsync("/dapr/subscribe", Ct);

        failing.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        healed.StatusCode.ShouldBe(HttpStatusCode.OK);
        outage.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        subscribe.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SimulatedWork_DelaysClientsRequests_ButNotTheCellsOwnWarmupProbes()
    {
        var appPort = BioDapr.Testing.FreePort.Next();
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app => app.MapGet("/work", () => Results.Ok()),
            configuration: new() { ["test-cell.pathogens.workMs"] = "60000" },
            settings: new() { ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            onLoopback: true);
        var token = cell.App.Services.GetRequiredService<WarmupRequests>().Token;
        var url = $"http://127.0.0.1:{appPort}/work";

        // A minute of work per request: a client's request is still waiting when the probe has long been answered.
        using var clients = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var client = cell.Client.GetAsync(url, clients.Token);
        using var probe = new HttpRequestMessage(HttpMethod.Get, url);
        probe.Headers.Add(WarmupRequests.Header, token);
        using var forged = new HttpRequestMessage(HttpMethod.Get, url);
        forged.Headers.Add(WarmupRequests.Header, "not-the-token");
        using var answered = await cell.Client.SendAsync(probe, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var forgedCall = cell.Client.SendAsync(forged, clients.Token);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        answered.StatusCode.ShouldBe(HttpStatusCode.OK);
        client.IsCompleted.ShouldBeFalse("a client's request does the simulated work");
        forgedCall.IsCompleted.ShouldBeFalse("a wrong token is a client's request");
        await clients.CancelAsync();
    }

    [Fact]
    public async Task TheCellsOwnWarmupProbes_AreNotCountedInTheEndpointsVitals_ButAForgedTokenIs()
    {
        var appPort = BioDapr.Testing.FreePort.Next();
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app => app.MapGet("/work", () => Results.Ok()),
            settings: new() { ["APP_PORT"] = appPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Cell:Vitals:Window"] = "00:00:00.100" },
            onLoopback: true);
        var token = cell.App.Services.GetRequiredService<WarmupRequests>().Token;
        var url = $"http://127.0.0.1:{appPort}/work";
        long Calls() => cell.Dapr.Published
            .Where(p => p is { PubSub: "vitals-pubsub", Topic: "vitals" })
            .Select(p => System.Text.Json.JsonSerializer.SerializeToElement(p.Data, p.Data!.GetType(), Web))
            .SelectMany(p => p.GetProperty("windows").EnumerateArray())
            .Where(w => w.GetProperty("name").GetString() == "GET /work")
            .Sum(w => w.GetProperty("calls").GetInt64());

        // Ten probes (a new replica sends hundreds), then one forged probe and one client request: two arrivals.
        for (var i = 0; i < 10; i++)
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, url);
            probe.Headers.Add(WarmupRequests.Header, token);
            (await cell.Client.SendAsync(probe, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var forged = new HttpRequestMessage(HttpMethod.Get, url);
        forged.Headers.Add(WarmupRequests.Header, "not-the-token");
        (await cell.Client.SendAsync(forged, Ct)).Dispose();
        (await cell.Client.GetAsync(url, Ct)).Dispose();

        await BioDapr.Testing.Eventually.TrueAsync(() => Calls() >= 2, because: "the forged probe and the client's request are arrivals");
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct); // three more windows: nothing else arrives
        Calls().ShouldBe(2);
    }

    [Fact]
    public async Task AnInvalidPathogenValue_IsRejected_AndTheLastGoodValueStays()
    {
        await using var cell = await TestCell.StartAsync(configure: builder => builder.AddCellVitals());

        var pathogens = cell.App.Services.GetRequiredService<BioDapr.Cell.Hormones.IHormones<PathogenHormones>>();

        await Update(cell, "test-cell.pathogens.errorRate", "1.5", () => pathogens.Rejections == 1);

        pathogens.Current.ErrorRate.ShouldBe(0);
        pathogens.LastRejection!.Key.ShouldBe("test-cell.pathogens.errorRate");
    }

    [Fact]
    public void PathogenLatency_HasTheConfiguredMeanCvAndFraction()
    {
        var pathogen = new PathogenHormones { LatencyMs = 40, LatencyCv = 0.5, LatencyFraction = 0.3 };
        var random = new Random(11);

        var samples = Enumerable.Range(0, 200_000).Select(_ => pathogen.SampleLatency(random).TotalMilliseconds).ToArray();
        var delayed = samples.Where(s => s > 0).ToArray();
        var mean = delayed.Average();
        var cv = Math.Sqrt(delayed.Select(s => (s - mean) * (s - mean)).Average()) / mean;

        ((double)delayed.Length / samples.Length).ShouldBe(0.3, 0.01);
        mean.ShouldBe(40, 0.8);
        cv.ShouldBe(0.5, 0.02);
        new PathogenHormones { LatencyMs = 25 }.SampleLatency(random).ShouldBe(TimeSpan.FromMilliseconds(25));
    }

    [Fact]
    public void PathogenWork_DelaysEveryRequest_WithTheConfiguredMean()
    {
        var random = new Random(12);
        var work = new PathogenHormones { WorkMs = 15, WorkCv = 0.5, LatencyMs = 90, LatencyFraction = 0 };
        var samples = Enumerable.Range(0, 100_000).Select(_ => work.SampleWork(random).TotalMilliseconds).ToArray();

        samples.ShouldAllBe(s => s > 0);
        samples.Average().ShouldBe(15, 0.3);
        new PathogenHormones { WorkMs = 10 }.SampleWork(random).ShouldBe(TimeSpan.FromMilliseconds(10));
        new PathogenHormones().SampleWork(random).ShouldBe(TimeSpan.Zero);
        work.SampleLatency(random).ShouldBe(TimeSpan.Zero, "the latency pathogen is separate from the work");
    }

    [Fact]
    public async Task VitalsWindows_CountWhatHappened_AndArePublishedAsVitalsEvents()
    {
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app =>
            {
                app.MapGet("/ok", () => Results.Ok());
                app.MapGet("/missing", () => Results.NotFound());
                app.MapGet("/broken", () => Results.StatusCode(500));
            },
            settings: new() { ["Cell:Vitals:Window"] = "00:00:00.200" });

        for (var i = 0; i < 3; i++)
        {
            (await cell.Client.GetAsync("/ok", Ct)).Dispose();
        }

        (await cell.Client.GetAsync("/missing", Ct)).Dispose();
        (await cell.Client.GetAsync("/broken", Ct)).Dispose();

        // The requests may span several windows: wait for the one with the last request (/broken), windows go out in order.
        await BioDapr.Testing.Eventually.TrueAsync(() => cell.Dapr.Published.Any(p => p is { PubSub: "vitals-pubsub", Topic: "vitals", Data: VitalsReported v } && v.Windows.Any(w => w.Name == "GET /broken" && w.ServerErrors > 0)));
        var vitals = cell.Dapr.Published.Where(p => p is { PubSub: "vitals-pubsub", Topic: "vitals" }).ToList();
        var published = vitals.Select(p => System.Text.Json.JsonSerializer.SerializeToElement(p.Data, p.Data!.GetType(), Web)).ToList();
        var windows = published.SelectMany(p => p.GetProperty("windows").EnumerateArray()).ToList();
        long Sum(string endpoint, string field) => windows.Where(w => w.GetProperty("name").GetString() == endpoint).Sum(w => w.GetProperty(field).GetInt64());

        published[0].GetProperty("cell").GetString().ShouldBe("test-cell");
        Sum("GET /ok", "calls").ShouldBe(3);
        Sum("GET /ok", "successes").ShouldBe(3);
        Sum("GET /missing", "clientErrors").ShouldBe(1);
        Sum("GET /broken", "serverErrors").ShouldBe(1);
        vitals[0].Metadata["cloudevent.type"].ShouldBe("biodapr.vitals.v1");
    }

    [Fact]
    public async Task AWindowWhoseOnlyNewsIsACallThatEnded_IsPublished()
    {
        // A call that outlives its window ends in one where no call started and none is in flight: that window carries
        // the call's outcome (often a failure) and must be published, or the outcome is never reported.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cell = await TestCell.StartAsync(
            configure: builder => builder.AddCellVitals(),
            map: app => app.MapGet("/slow", async () =>
            {
                await release.Task;
                return Results.StatusCode(500);
            }),
            settings: new() { ["Cell:Vitals:Window"] = "00:00:00.100" });
        List<System.Text.Json.JsonElement> Windows() => [.. cell.Dapr.Published
            .Where(p => p is { PubSub: "vitals-pubsub", Topic: "vitals" })
            .Select(p => System.Text.Json.JsonSerializer.SerializeToElement(p.Data, p.Data!.GetType(), Web))
            .SelectMany(p => p.GetProperty("windows").EnumerateArray())
            .Where(w => w.GetProperty("name").GetString() == "GET /slow")];

        var call = cell.Client.GetAsync("/slow", Ct);
        await BioDapr.Testing.Eventually.TrueAsync(() => Windows().Any(w => w.GetProperty("inFlight").GetInt32() == 1), because: "the call is in flight");
        // Windows close every 100 ms: wait for one after the call's start window, with the call still in flight.
        var published = Windows().Count;
        await BioDapr.Testing.Eventually.TrueAsync(() => Windows().Count > published + 1, because: "windows keep being published while the call is in flight");
        release.SetResult();
        (await call).Dispose();

        var ended = await BioDapr.Testing.Eventually.ReturnsAsync(
            () => Task.FromResult(Windows().FirstOrDefault(w => w.GetProperty("serverErrors").GetInt64() == 1)),
            w => w.ValueKind == System.Text.Json.JsonValueKind.Object,
            because: "the window in which the call ended is published");
        ended.GetProperty("calls").GetInt64().ShouldBe(0, "the call started in an earlier window");
        ended.GetProperty("inFlight").GetInt32().ShouldBe(0);
    }

    private static int InvocationCount(TestCell cell) => cell.Sidecar.Requests.Count(r => r.Path.StartsWith("/v1.0/invoke/", StringComparison.Ordinal));

    private static async Task Update(TestCell cell, string key, string value, Func<bool> applied)
    {
        await Eventually.TrueAsync(() => cell.Dapr.Subscribes.Count > 0);
        await cell.Dapr.PushAsync(key, value);
        await Eventually.TrueAsync(applied);
    }
}
