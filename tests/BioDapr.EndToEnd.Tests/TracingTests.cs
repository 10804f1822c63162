using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using BioDapr.Launcher;
using BioDapr.Testing;
using BioDapr.Launcher.Telemetry;
using BioDapr.Testing.Telemetry;
using static Microsoft.Playwright.Assertions;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// The organism with the TypeScript shipping cell and with the cells an order passes through exporting their telemetry
/// over OTLP to the standalone Aspire dashboard (the viewer of <c>./biodapr up --telemetry</c>), started from its restored
/// package on free ports. One organism for two test classes (<see cref="TracedOrganismCollectionDefinition"/>): the tracing tests
/// read what the dashboard holds through its telemetry HTTP API and its UI in chromium; the shipping tests use the shipping
/// cell. Starting it once instead of twice saves an organism's start (a dozen processes) and its steady work on a 2-core
/// machine. They do not disturb each other: the classes run one after the other, the shipping tests cure the pathogen
/// they set, and the tracing tests follow traces of their own orders, whichever cells an order reaches after notifications.
/// </summary>
public sealed class TracedOrganism : IAsyncLifetime
{
    public AspireDashboard Dashboard { get; } = new();

    public Organism Organism { get; }

    public TracedOrganism() => Organism = new() { SidecarOtlpEndpoint = $"127.0.0.1:{Dashboard.OtlpHttpPort}", WithShipping = true };

    /// <summary>The spans of one trace the dashboard holds (empty while it has none).</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> TraceAsync(string traceId)
    {
        using var trace = await Dashboard.TraceAsync(traceId, TestContext.Current.CancellationToken);
        return OtlpJsonTraceReader.Read(trace);
    }

    /// <summary>The latest spans of one cell the dashboard holds.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> SpansAsync(string cell)
    {
        // The latest spans of every resource, filtered here: the cell and its sidecar are two instances of one service name.
        using var spans = await Dashboard.SpansAsync(resource: null, limit: 10_000, TestContext.Current.CancellationToken);
        return [.. OtlpJsonTraceReader.Read(spans).Where(span => span.Service == cell)];
    }

    public async ValueTask InitializeAsync()
    {
        await Dashboard.StartAsync(TestContext.Current.CancellationToken);
        // The cells an order passes through export; the cortex stays as in every organism (less work on a shared machine).
        foreach (var app in new[] { "gateway", "orders", "inventory", "payments", "notifications", "shipping" })
        {
            Organism.AppEnvironment[app] = new Dictionary<string, string>(Dashboard.ExporterEnvironment, StringComparer.Ordinal)
            {
                // Traces are what these tests read; metrics every minute keep the dashboard's work small.
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
            };
        }

        await Organism.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Organism.DisposeAsync();
        await Dashboard.DisposeAsync();
    }
}

/// <summary>The test classes that share one <see cref="TracedOrganism"/>: <see cref="TracingTests"/> and <see cref="ShippingTests"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TracedOrganismCollectionDefinition : ICollectionFixture<TracedOrganism>
{
    public const string Name = "organism with shipping and telemetry";
}

/// <summary>One client request is one trace across the cells: W3C trace context flows through the sidecars.</summary>
[Collection(TracedOrganismCollectionDefinition.Name)]
public sealed class TracingTests(TracedOrganism traced, Chromium chromium)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Order_IsOneTrace_FromTheGatewayThroughOrdersToInventory()
    {
        using var http = new HttpClient();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var clientSpanId = ActivitySpanId.CreateRandom().ToHexString();

        using var placed = await PlaceAsync(http, $"00-{traceId}-{clientSpanId}-01");

        placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
        var spans = await Eventually.ReturnsAsync(
            () => traced.TraceAsync(traceId),
            // Spans arrive in export batches, per cell and in any order: wait for the pathway spans and their calls too.
            trace => new[] { "gateway", "orders", "inventory" }.All(cell => trace.Any(s => s.Service == cell && IsCellServer(s)))
                && HasPathwayCall(trace, "gateway", "orders") && HasPathwayCall(trace, "orders", "inventory")
                // A server span ends (and is exported) after the pathway spans under it: wait for their parents too.
                && PathwaysHaveTheirServerSpans(trace, "gateway", "orders") && PathwaysHaveTheirServerSpans(trace, "orders", "inventory"),
            TimeSpan.FromSeconds(20),
            "the gateway, orders and inventory export their server spans of the order's trace, and the pathway spans with their calls");

        // The gateway continues the client's trace.
        spans.Where(s => s.Service == "gateway" && IsCellServer(s)).ShouldAllBe(s => s.ParentSpanId == clientSpanId);
        // Inside each cell, its pathway span is a child of the request it serves and the parent of the HTTP call to its sidecar.
        AssertPathway(spans, caller: "gateway", target: "orders");
        AssertPathway(spans, caller: "orders", target: "inventory");
        // Downstream cells are not roots: their server span continues the caller's context as the sidecars passed it on.
        foreach (var cell in new[] { "orders", "inventory" })
        {
            spans.Where(s => s.Service == cell && IsCellServer(s)).ShouldAllBe(s => s.ParentSpanId.Length == 16);
        }
    }

    [Fact]
    public async Task Order_StaysOneTrace_AcrossPubSub_ToPaymentsAndNotifications()
    {
        using var http = new HttpClient();
        var traceId = await PlaceInANewTraceAsync(http);
        // Orders publishes OrderPlaced through its sidecar's gRPC API (DaprClient); the sidecar carries the trace context
        // in the CloudEvent, and the subscribers' sidecars pass it on to payments and notifications.
        var spans = await Eventually.ReturnsAsync(
            () => traced.TraceAsync(traceId),
            trace => new[] { "payments", "notifications" }.All(cell => trace.Any(s => s.Service == cell && IsCellServer(s))),
            TimeSpan.FromSeconds(30),
            "payments and notifications export server spans of the order's trace (delivered over pub/sub)");

        foreach (var cell in new[] { "payments", "notifications" })
        {
            spans.Where(s => s.Service == cell && IsCellServer(s)).ShouldAllBe(s => s.ParentSpanId.Length == 16, $"{cell} continues the trace, it does not start one");
        }
    }

    [Fact]
    public async Task Order_IsOneTraceInTheDashboardsUi_AcrossTheCells()
    {
        using var http = new HttpClient();
        var traceId = await PlaceInANewTraceAsync(http);
        var cells = new[] { "gateway", "orders", "inventory", "payments", "notifications" };
        await Eventually.ReturnsAsync(
            () => traced.TraceAsync(traceId),
            trace => cells.All(cell => trace.Any(s => s.Service == cell && IsCellServer(s))),
            TimeSpan.FromSeconds(30),
            "every cell the order passes through has exported its server span of the order's trace");

        // As a person would: the login link the dashboard printed, then the trace's page. The waterfall renders only the rows
        // in view (a virtualized grid), and on a loaded machine an order's trace starts with the gateway's retried calls to
        // orders (seen: 50 rows before inventory's): a tall window shows every row, as scrolling would.
        var page = await chromium.NewPageAsync();
        try
        {
            await page.SetViewportSizeAsync(1400, 12_000);
            var login = await page.GotoAsync(traced.Dashboard.LoginUrl.ToString());
            login!.Ok.ShouldBeTrue($"the login link answers {login.Status}");
            await page.GotoAsync(new Uri(traced.Dashboard.Url, "/traces/detail/" + traceId).ToString());
            foreach (var cell in cells)
            {
                // The waterfall names each span's resource (the cell's service name) and the span itself.
                // With the sidecars exporting too, the dashboard tells the two instances apart: gateway-<cell instance>, gateway-sidecar-<replica>.
                await Expect(page.GetByText(new Regex("^" + cell + "(-[0-9a-z-]+)?$")).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await Expect(page.GetByText(new Regex("^" + cell + "-sidecar(-[0-9]+)?$")).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }

            await Expect(page.GetByText("pathway orders").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            (await page.ContentAsync()).ShouldContain(traceId[..7]);
            if (Environment.GetEnvironmentVariable("BIODAPR_TRACE_SCREENSHOTS") is { Length: > 0 } screenshots)
            {
                // The picture in docs/tracing.md: a window of ordinary height, its page in full.
                await page.SetViewportSizeAsync(1400, 1000);
                Directory.CreateDirectory(screenshots);
                await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "dashboard-order-trace.png"), FullPage = true });
            }
        }
        finally
        {
            // An open trace page is a live Blazor circuit that re-renders the trace as its spans arrive: closed, it cannot load
            // the dashboard during the tests after this one (whose API calls timed out at 30 s after it, at load 100-130).
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Order_IncludesTheSidecarsSpans_BetweenTheCells()
    {
        using var http = new HttpClient();
        var traceId = await PlaceInANewTraceAsync(http);
        // The gateway's call to orders goes through its sidecar: the sidecar's server span is a child of the gateway's HTTP
        // call, and orders' server span a child of that sidecar span (the sidecars pass their span on as traceparent).
        // Delivered over pub/sub, payments' request is a child of its sidecar's consumer span.
        // Payments' delivery comes last (after orders' publish and the stream read); under a loaded suite it took over 30 s once.
        var found = await Eventually.ReturnsAsync(
            async () => SidecarSpans.Of(await traced.TraceAsync(traceId)),
            found => found.Missing.Count == 0,
            TimeSpan.FromSeconds(60),
            "the sidecars export their spans of the order's trace");
        var spans = found.Trace;

        var sidecar = SidecarBetween(spans, "gateway", "orders")!;
        sidecar.Name.ShouldStartWith("CallLocal/orders/", customMessage: "daprd's name of an invocation span");
        spans.Where(s => s.Scope == SidecarScope).ShouldAllBe(s => s.ParentSpanId.Length == 16, "a sidecar span always continues its caller's context here");
    }

    [Fact]
    public async Task Order_ReachesTheTypeScriptShippingCell_AndItsShipment_InTheSameTrace()
    {
        using var http = new HttpClient();
        var traceId = await PlaceInANewTraceAsync(http);
        // OrderConfirmed is delivered to shipping by its sidecar (a consumer span); the cell's OpenTelemetry Node SDK continues
        // that span with its server span; its ShipmentDispatched publish (the JS SDK's client over HTTP) is a client span
        // under it, continued by its sidecar's publish span, whose context the event carries to orders' sidecar.
        var spans = await Eventually.ReturnsAsync(
            () => traced.TraceAsync(traceId),
            trace => ShipmentPublish(trace) is { } publish
                && trace.Any(d => d.Service == "orders" && d.Scope == SidecarScope && d.Kind == ReceivedSpanKind.Consumer && d.Name == "pubsub/shipments" && d.ParentSpanId == publish.SpanId),
            TimeSpan.FromSeconds(60),
            "shipping's server span under its sidecar's delivery span, its publish under the server span, continued by its sidecar and delivered to orders");

        spans.Where(s => s.Service == "shipping").ShouldAllBe(s => s.ParentSpanId.Length == 16, "shipping continues the order's trace, it does not start one");
    }

    // Shipping's sidecar span of the ShipmentDispatched publish, under the cell's client span, under the cell's server span of
    // the OrderConfirmed delivery, under its sidecar's delivery span.
    private static ReceivedSpan? ShipmentPublish(IReadOnlyList<ReceivedSpan> trace) =>
        trace.FirstOrDefault(p => p.Service == "shipping" && p.Scope == SidecarScope && p.Name == "/v1.0/publish/pubsub/shipments"
            && trace.Any(c => c.Service == "shipping" && c.Scope != SidecarScope && c.Kind == ReceivedSpanKind.Client && c.SpanId == p.ParentSpanId
                && trace.Any(s => s.Service == "shipping" && IsCellServer(s) && s.SpanId == c.ParentSpanId
                    && trace.Any(d => d.Service == "shipping" && d.Scope == SidecarScope && d.Kind == ReceivedSpanKind.Consumer && d.SpanId == s.ParentSpanId))));

    // The caller's sidecar server span that is a child of a caller's client span and the parent of the target's server span.
    private static ReceivedSpan? SidecarBetween(IReadOnlyList<ReceivedSpan> spans, string caller, string target) =>
        spans.FirstOrDefault(d => d.Service == caller && d.Scope == SidecarScope && d.Kind == ReceivedSpanKind.Server
            && spans.Any(c => c.Service == caller && c.Kind == ReceivedSpanKind.Client && c.SpanId == d.ParentSpanId)
            && spans.Any(s => s.Service == target && IsCellServer(s) && s.ParentSpanId == d.SpanId));

    [Theory]
    [InlineData(null)]
    [InlineData("00-not-a-trace-id-01")]
    [InlineData("00-00000000000000000000000000000000-0000000000000000-01")]
    public async Task RequestWithoutAValidTraceContext_StartsANewTraceThatStillSpansTheCells(string? traceParent)
    {
        using var http = new HttpClient();
        var before = (await traced.SpansAsync("gateway")).Select(s => s.TraceId).ToHashSet(StringComparer.Ordinal);

        using var placed = await PlaceAsync(http, traceParent);

        placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
        await Eventually.ReturnsAsync(
            async () =>
            {
                var traces = new List<IReadOnlyList<ReceivedSpan>>();
                foreach (var root in (await traced.SpansAsync("gateway")).Where(s => !before.Contains(s.TraceId) && IsCellServer(s) && s.ParentSpanId.Length == 0))
                {
                    traces.Add(await traced.TraceAsync(root.TraceId));
                }

                return traces;
            },
            traces => traces.Any(trace => trace.Any(s => s.Service == "orders" && IsCellServer(s))
                && trace.Any(s => s.Service == "inventory" && IsCellServer(s))),
            TimeSpan.FromSeconds(20),
            "the gateway starts a new trace (its server span is a root) that reaches orders and inventory");
        (await traced.TraceAsync("00000000000000000000000000000000")).ShouldBeEmpty();
    }

    private static bool HasPathwayCall(IReadOnlyList<ReceivedSpan> spans, string caller, string target) =>
        spans.Any(p => p.Service == caller && p.Scope == "BioDapr.Pathways" && p.Name == "pathway " + target
            && spans.Any(s => s.Service == caller && s.Kind == ReceivedSpanKind.Client && s.ParentSpanId == p.SpanId));

    /// <summary>The scope of the development sidecar's spans (its own exporter); the cells' are ASP.NET Core's, HttpClient's, …</summary>
    private const string SidecarScope = "BioDapr.Sidecar";

    private static bool IsCellServer(ReceivedSpan span) => span.Kind == ReceivedSpanKind.Server && span.Scope != SidecarScope;

    private static bool PathwaysHaveTheirServerSpans(IReadOnlyList<ReceivedSpan> spans, string caller, string target) =>
        spans.Where(p => p.Service == caller && p.Scope == "BioDapr.Pathways" && p.Name == "pathway " + target)
            .All(p => spans.Any(s => s.Service == caller && IsCellServer(s) && s.SpanId == p.ParentSpanId));

    private static void AssertPathway(IReadOnlyList<ReceivedSpan> spans, string caller, string target)
    {
        var pathways = spans.Where(s => s.Service == caller && s.Scope == "BioDapr.Pathways" && s.Name == "pathway " + target).ToList();
        pathways.ShouldNotBeEmpty($"{caller} exports its pathway span to {target}");
        foreach (var pathway in pathways)
        {
            spans.ShouldContain(s => s.Service == caller && IsCellServer(s) && s.SpanId == pathway.ParentSpanId, $"the {caller} pathway span hangs under {caller}'s server span");
        }

        // A pathway execution refused before its attempt (limiter, open breaker: possible on a loaded machine, where the
        // client retries) has no call; the one that reached the target does, as a child of its pathway span.
        HasPathwayCall(spans, caller, target).ShouldBeTrue($"the {caller} → {target} HTTP call is a child of the pathway span");
    }

    // An order through the gateway, sent again with the same Idempotency-Key while the answer is 503 (a slow shared machine).
    // Places an order as a caller with a sampled trace of its own, and returns that trace's id.
    private async Task<string> PlaceInANewTraceAsync(HttpClient http)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var placed = await PlaceAsync(http, $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
        return traceId;
    }

    private async Task<HttpResponseMessage> PlaceAsync(HttpClient http, string? traceParent)
    {
        var key = "trace-" + Guid.NewGuid().ToString("N");
        return await Eventually.ReturnsAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{traced.Organism.GatewayPort}/api/orders")
                {
                    Content = JsonContent.Create(new { customerId = "e2e-trace", sku = "pear", quantity = 1 }),
                };
                request.Headers.Add("X-Api-Key", Organism.ShopApiKey);
                request.Headers.Add("Idempotency-Key", key);
                if (traceParent is not null)
                {
                    request.Headers.TryAddWithoutValidation("traceparent", traceParent);
                }

                return http.SendAsync(request, Ct);
            },
            response => response.StatusCode != HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(90),
            "the order is answered");
    }

    // The three sidecar spans an order's trace must hold, and which of them are still missing (named in a timeout's message).
    private sealed record SidecarSpans(IReadOnlyList<ReceivedSpan> Trace, IReadOnlyList<string> Missing)
    {
        public static SidecarSpans Of(IReadOnlyList<ReceivedSpan> trace)
        {
            var missing = new List<string>();
            if (SidecarBetween(trace, "gateway", "orders") is null)
            {
                missing.Add("the gateway's sidecar between the gateway and orders");
            }

            if (!trace.Any(d => d.Service == "payments" && d.Scope == SidecarScope && d.Kind == ReceivedSpanKind.Consumer
                && trace.Any(s => s.Service == "payments" && IsCellServer(s) && s.ParentSpanId == d.SpanId)))
            {
                missing.Add("payments' sidecar's delivery (a consumer span, parent of payments' request)");
            }

            if (!trace.Any(s => s.Service == "orders" && s.Scope == SidecarScope && s.Name.Contains("Dapr/", StringComparison.Ordinal)))
            {
                missing.Add("orders' sidecar's gRPC API calls");
            }

            return new(trace, missing);
        }

        public override string ToString() =>
            $"{Trace.Count} spans from {string.Join(", ", Trace.Select(s => s.Service).Distinct())}; missing: {string.Join("; ", Missing)}";
    }
}
