using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Hosting;
using BioDapr.Gateway.Admission;
using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using BioDapr.Gateway.Telemetry;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Gateway.Tests.Pipeline;

/// <summary>
/// The gateway's real front (immune middleware, client admission with its fair share) in front of an endpoint that holds
/// its requests until told: what a trace shows of the gateway's own time, and what the gateway's warm-up requests do to
/// the immune layer.
/// </summary>
public sealed class AdmissionPipelineTests : IAsyncDisposable
{
    private const string Key = "key-of-shop";
    private const string AppTag = "test.app";
    private readonly string _id = Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<TaskCompletionSource> _held = new();
    private readonly ConcurrentBag<Activity> _spans = [];
    private readonly ActivityListener _listener;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    public AdmissionPipelineTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayTracing.SourceName || source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_listener);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration[ClientKeys.SecretName] = "shop=" + Key;
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.Services.AddClientAuthentication(builder.Configuration);
        builder.Services.AddSingleton<ClientRateLimiter>();
        builder.Services.AddSingleton<IHormones<ClientLimits>>(new FixedHormones<ClientLimits>(new ClientLimits()));
        // One slot to orders: a lone client's first request takes it, its second waits for it.
        builder.Services.AddSingleton(new FairShareScheduler(_clock, () => new FairShareLimits(1, 8, TimeSpan.FromSeconds(1))));
        var hormones = new ImmuneHormones { Enabled = true };
        builder.Services.AddSingleton(new ImmuneSystem(new AnomalyDetector(_clock, () => hormones), _clock, () => hormones));
        builder.Services.AddSingleton(new WarmupImmune(_clock, () => hormones));
        builder.Services.AddSingleton<WarmupRequests>();
        builder.Services.AddOptions<GatewayOptions>();
        builder.Services.AddRouting();
        _app = builder.Build();
        // Loopback, as the warm-up's own requests come (the test server leaves the address unset).
        _app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
            // The listener hears every test server of the process: this one's request spans carry its id.
            Activity.Current?.SetTag(AppTag, _id);
            return next(context);
        });
        _app.UseRouting();
        _app.UseImmuneResponse();
        _app.UseClientAdmission();
        _app.MapPost("/api/orders", async (HttpContext context) =>
        {
            var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _held.Enqueue(hold);
            await hold.Task;
            return Results.Created("/api/orders/1", new { orderId = "1" });
        }).ClientApi();
        _app.MapPost("/api/invalid", () => Results.ValidationProblem(new Dictionary<string, string[]> { ["sku"] = ["required"] })).ClientApi();
        _app.StartAsync().GetAwaiter().GetResult();
        _http = _app.GetTestClient();
    }

    [Fact]
    public async Task ARequestWaitingForTheFairShareSlot_ShowsItsWaitAsItsOwnSpan_BesideTheChecksBodyAndScoring()
    {
        var first = Send("/api/orders");
        await Held(1);
        var second = Send("/api/orders");
        await Eventually.TrueAsync(() => _app.Services.GetRequiredService<FairShareScheduler>().Queued == 1);

        // The second request waits 150 ms (the scheduler's clock) for the first one's slot.
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        Release();
        (await first).StatusCode.ShouldBe(HttpStatusCode.Created);
        await Held(1);
        Release();
        (await second).StatusCode.ShouldBe(HttpStatusCode.Created);

        var roots = await Roots(2);
        var waits = roots.Select(root => Child(root, GatewayTracing.FairShare)).OrderBy(w => (double)w.GetTagItem(GatewayTracing.WaitedTag)!).ToList();
        waits[0].GetTagItem(GatewayTracing.WaitedTag).ShouldBe(0.0);
        waits[0].GetTagItem(GatewayTracing.InFlightTag).ShouldBe(0);
        waits[1].GetTagItem(GatewayTracing.WaitedTag).ShouldBe(150.0);
        waits[1].GetTagItem(GatewayTracing.InFlightTag).ShouldBe(1, "the first request held the one slot when the second asked");
        waits[1].GetTagItem(GatewayTracing.CapacityTag).ShouldBe(1);
        waits.ShouldAllBe(w => (string)w.GetTagItem(GatewayTracing.OutcomeTag)! == nameof(FairShareOutcome.Admitted));
        foreach (var root in roots)
        {
            // Every step of the gateway's own time is a child of the request's span, in the order it runs.
            var checks = Child(root, GatewayTracing.Checks);
            var body = Child(root, GatewayTracing.Body);
            var wait = Child(root, GatewayTracing.FairShare);
            var observe = Child(root, GatewayTracing.Observe);
            checks.StartTimeUtc.ShouldBeLessThanOrEqualTo(body.StartTimeUtc);
            body.StartTimeUtc.ShouldBeLessThanOrEqualTo(wait.StartTimeUtc);
            wait.StartTimeUtc.ShouldBeLessThanOrEqualTo(observe.StartTimeUtc);
        }
    }

    [Fact]
    public async Task ARefusedRequest_SaysWhyInItsFairShareSpan()
    {
        var first = Send("/api/orders");
        await Held(1);
        var second = Send("/api/orders");
        await Eventually.TrueAsync(() => _app.Services.GetRequiredService<FairShareScheduler>().Queued == 1);
        // Past the queue timeout the waiting request is refused before anything was done.
        _clock.Advance(TimeSpan.FromSeconds(1));
        (await second).StatusCode.ShouldBeOneOf(HttpStatusCode.TooManyRequests, HttpStatusCode.ServiceUnavailable);
        Release();
        (await first).StatusCode.ShouldBe(HttpStatusCode.Created);

        var refused = (await Roots(2)).Select(root => Child(root, GatewayTracing.FairShare)).Single(w => (string)w.GetTagItem(GatewayTracing.OutcomeTag)! != nameof(FairShareOutcome.Admitted));
        refused.GetTagItem(GatewayTracing.WaitedTag).ShouldBe(1000.0);
    }

    [Fact]
    public async Task TheWarmupsOwnRequests_RunTheImmuneLayerOnAScratchSystem_NeverOnTheGateways()
    {
        var warmup = _app.Services.GetRequiredService<WarmupRequests>();
        var immune = _app.Services.GetRequiredService<ImmuneSystem>();
        var scratch = _app.Services.GetRequiredService<WarmupImmune>().System;

        // The warm-up's rounds: 80 invalid orders in a burst with a real client's key, which would get that client
        // quarantined if they were its own (a burst of client errors).
        for (var i = 0; i < 80; i++)
        {
            using var response = await Send("/api/invalid", warmup.Token);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "never refused by a quarantine");
        }

        scratch.Detector.Callers.ShouldBeGreaterThan(0, "the immune layer's code ran for the warm-up's requests");
        scratch.Quarantines.ShouldBeEmpty();
        immune.Detector.Callers.ShouldBe(0, "the gateway's own detector never saw them");
        immune.Quarantines.ShouldBeEmpty();
        immune.PendingChanges.ShouldBe(0);

        // The same requests without the warm-up's token are the client's own: scored by the gateway's detector.
        using (var own = await Send("/api/invalid"))
        {
            own.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        immune.Detector.Callers.ShouldBeGreaterThan(0);
        // Admission's checks and the fair share ran for the warm-up's requests as for any other.
        (await Roots(81)).ShouldAllBe(root => _spans.Any(s => s.ParentSpanId == root.SpanId && s.DisplayName == GatewayTracing.FairShare));
    }

    public async ValueTask DisposeAsync()
    {
        while (_held.TryDequeue(out var hold))
        {
            hold.TrySetResult();
        }

        _http.Dispose();
        await _app.DisposeAsync();
        _listener.Dispose();
    }

    private Task<HttpResponseMessage> Send(string path, string? warmupToken = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("""{"customerId":"c1","sku":"apple","quantity":1}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", Key);
        if (warmupToken is not null)
        {
            request.Headers.Add(WarmupRequests.Header, warmupToken);
        }

        return _http.SendAsync(request);
    }

    private async Task Held(int count) => await Eventually.TrueAsync(() => _held.Count >= count);

    private void Release()
    {
        _held.TryDequeue(out var hold).ShouldBeTrue();
        hold!.SetResult();
    }

    // This server's request spans (ASP.NET Core's), once that many have ended.
    private async Task<List<Activity>> Roots(int count)
    {
        bool Ours(Activity s) => s.Source.Name == "Microsoft.AspNetCore" && (string?)s.GetTagItem(AppTag) == _id;
        await Eventually.TrueAsync(() => _spans.Count(Ours) >= count);
        return [.. _spans.Where(Ours)];
    }

    private Activity Child(Activity root, string name) =>
        _spans.Where(s => s.ParentSpanId == root.SpanId && s.DisplayName == name).ShouldHaveSingleItem($"{name} under {root.DisplayName}");
}
