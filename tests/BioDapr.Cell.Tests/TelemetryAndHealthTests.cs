using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BioDapr.Cell.Tests;

public sealed class TelemetryAndHealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Telemetry_NamesTheServiceAfterTheAppId_ForTracesAndMetrics()
    {
        await using var cell = await TestCell.StartAsync(settings: new() { ["Cell:Name"] = null, ["APP_ID"] = "orders" });

        Attributes(cell.App.Services.GetRequiredService<TracerProvider>().GetResource())["service.name"].ShouldBe("orders");
        Attributes(cell.App.Services.GetRequiredService<MeterProvider>().GetResource())["service.name"].ShouldBe("orders");
    }

    [Fact]
    public async Task Health_SidecarOutboundNotReady_Answers503NamingTheSidecarCheck()
    {
        await using var cell = await TestCell.StartAsync();
        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // DaprClient.CheckOutboundHealthAsync answers false when /v1.0/healthz/outbound is not 2xx.
        cell.Dapr.OutboundHealth = () => false;
        using var down = await cell.Client.GetAsync("/healthz", Ct);

        down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var report = JsonDocument.Parse(await down.Content.ReadAsStringAsync(Ct)).RootElement;
        report.GetProperty("status").GetString().ShouldBe("Unhealthy");
        report.GetProperty("checks").GetProperty("sidecar").GetProperty("status").GetString().ShouldBe("Unhealthy");
        report.GetProperty("checks").GetProperty("warmup").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task Health_SidecarUnreachable_Answers503_AndRecoversWhenItIsBack()
    {
        await using var cell = await TestCell.StartAsync();

        cell.Dapr.OutboundHealth = () => throw new HttpRequestException("Connection refused (sidecar.test:3500)");
        using var down = await cell.Client.GetAsync("/healthz", Ct);
        cell.Dapr.OutboundHealth = () => true;

        down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        await Eventually.ReturnsAsync(
            async () => (await cell.Client.GetAsync("/healthz", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            because: "healthy again once the sidecar answers");
    }

    [Fact]
    public async Task Health_WaitForSidecarOff_DoesNotAskTheSidecar()
    {
        await using var cell = await TestCell.StartAsync(settings: new() { ["Cell:WaitForSidecar"] = "false" });
        var asked = cell.Dapr.OutboundHealthChecks;

        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        cell.Dapr.OutboundHealthChecks.ShouldBe(asked);
    }

    [Fact]
    public async Task DefaultEndpoints_OnlyMap_TheMiddlewareComesFromUseCellDefaults()
    {
        // Without UseCellDefaults, a callback without the sidecar's token is not refused: MapCellDefaultEndpoints adds no middleware.
        await using var cell = await TestCell.StartAsync(
            settings: new() { ["Cell:AppApiToken"] = "s3cret" },
            useDefaults: false);

        (await cell.Client.GetAsync("/dapr/subscribe", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task UseCellDefaults_CallbackWithoutTheSidecarToken_IsRefused()
    {
        await using var cell = await TestCell.StartAsync(settings: new() { ["Cell:AppApiToken"] = "s3cret" });

        (await cell.Client.GetAsync("/dapr/subscribe", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await cell.Client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    // Without an exporter the request span is not recorded, but the W3C context flows as before: the caller's trace and
    // parent are continued, and the id the next hop receives (traceparent) keeps the caller's sampled flag.
    [Theory]
    [InlineData("01", true)]
    [InlineData("00", false)]
    public async Task Tracing_WithoutAnExporter_ContinuesTheCallersTrace_WithoutRecordingTheRequestSpan(string callerFlags, bool sampled)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentId = ActivitySpanId.CreateRandom().ToHexString();
        await using var cell = await TracedCellAsync(settings: null);

        var seen = await cell.RequestAsync($"00-{traceId}-{parentId}-{callerFlags}");

        seen.TraceId.ShouldBe(traceId);
        seen.ParentSpanId.ShouldBe(parentId);
        seen.Id.ShouldBe($"00-{traceId}-{seen.SpanId}-{callerFlags}");
        seen.Sampled.ShouldBe(sampled);
        seen.AllDataRequested.ShouldBeFalse();
        seen.Tags.ShouldBeEmpty();
    }

    // A request without a traceparent starts a trace, sampled as the default sampler samples a root; the flag is set
    // first in the pipeline, whether or not (and wherever) the cell calls UseCellDefaults.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Tracing_WithoutAnExporter_ARequestWithoutACaller_StartsASampledTrace(bool useDefaults)
    {
        await using var cell = await TracedCellAsync(settings: null, useDefaults);

        var seen = await cell.RequestAsync(traceParent: null);

        seen.TraceId.ShouldNotBe(default(ActivityTraceId).ToHexString());
        seen.ParentSpanId.ShouldBe(default(ActivitySpanId).ToHexString());
        seen.Sampled.ShouldBeTrue();
        // The id the next hop receives: sampled (bit 0; .NET also sets bit 1, "random trace id", on a trace it starts).
        seen.Id.ShouldStartWith($"00-{seen.TraceId}-{seen.SpanId}-");
        (Convert.ToByte(seen.Id[^2..], 16) & 1).ShouldBe(1);
        seen.Tags.ShouldBeEmpty();
    }

    // With an exporter (or Cell:RecordSpans) the request span is recorded with its OpenTelemetry tags.
    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")]
    [InlineData("Cell:RecordSpans", "true")]
    public async Task Tracing_WithAnExporter_RecordsTheRequestSpan(string key, string value)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentId = ActivitySpanId.CreateRandom().ToHexString();
        await using var cell = await TracedCellAsync(settings: new() { [key] = value });

        var seen = await cell.RequestAsync($"00-{traceId}-{parentId}-01");

        seen.TraceId.ShouldBe(traceId);
        seen.ParentSpanId.ShouldBe(parentId);
        seen.Sampled.ShouldBeTrue();
        seen.AllDataRequested.ShouldBeTrue();
        seen.Tags.ShouldContain("http.request.method");
    }

    // ASP.NET Core's per-request log scope (request id and path) is opened only when something reads scopes: exported logs
    // or a console format with IncludeScopes, or when the hosting logger's level is set explicitly. The trace id stays
    // in every log's scopes either way (the logger factory's activity tracking).
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", true)]
    [InlineData("Cell:RecordSpans", "true", true)]
    [InlineData("Logging:Console:FormatterOptions:IncludeScopes", "true", true)]
    [InlineData("Logging:Console:FormatterOptions:IncludeScopes", "false", false)]
    [InlineData("Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Warning", true)]
    public async Task RequestLogScope_IsOpenedOnlyWhenSomethingReadsIt_TheTraceIdAlways(string? key, string? value, bool opened)
    {
        var scopes = new ScopeReader();
        List<string>? seen = null;
        await using var cell = await TestCell.StartAsync(
            settings: key is null ? null : new() { [key] = value },
            configure: builder => builder.Logging.AddProvider(scopes),
            map: app => app.MapGet("/scoped", () =>
            {
                seen = scopes.Keys();
                return Results.Ok();
            }));

        using var response = await cell.Client.GetAsync("/scoped", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        seen.ShouldNotBeNull();
        seen.ShouldContain("TraceId");
        seen.Contains("RequestPath").ShouldBe(opened);
    }

    // A logger provider that only lists the keys of the scopes in effect (the logger factory hands it the shared scopes).
    private sealed class ScopeReader : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public List<string> Keys()
        {
            var keys = new List<string>();
            _scopes?.ForEachScope(static (scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    list.AddRange(pairs.Select(p => p.Key));
                }
            }, keys);
            return keys;
        }

        public ILogger CreateLogger(string categoryName) => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }
    }

    private static async Task<TracedCell> TracedCellAsync(Dictionary<string, string?>? settings, bool useDefaults = true)
    {
        var traced = new TracedCell();
        traced.Cell = await TestCell.StartAsync(settings: settings, useDefaults: useDefaults, map: app => app.MapGet("/traced", () =>
        {
            traced.Seen = Activity.Current is { } a
                ? new SeenActivity(a.TraceId.ToHexString(), a.SpanId.ToHexString(), a.ParentSpanId.ToHexString(), a.Id ?? "", a.Recorded, a.IsAllDataRequested, [.. a.TagObjects.Select(t => t.Key)])
                : null;
            return Results.Ok();
        }));
        return traced;
    }

    private sealed record SeenActivity(string TraceId, string SpanId, string ParentSpanId, string Id, bool Sampled, bool AllDataRequested, IReadOnlyList<string> Tags);

    private sealed class TracedCell : IAsyncDisposable
    {
        public TestCell Cell { get; set; } = null!;

        public SeenActivity? Seen { get; set; }

        public async Task<SeenActivity> RequestAsync(string? traceParent)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/traced");
            if (traceParent is not null)
            {
                request.Headers.TryAddWithoutValidation("traceparent", traceParent);
            }

            using var response = await Cell.Client.SendAsync(request, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return Seen.ShouldNotBeNull("the request ran in an activity");
        }

        public ValueTask DisposeAsync() => Cell.DisposeAsync();
    }

    private static Dictionary<string, object> Attributes(OpenTelemetry.Resources.Resource resource) =>
        resource.Attributes.ToDictionary(a => a.Key, a => a.Value);
}
