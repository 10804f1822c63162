using BioDapr.Cell.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BioDapr.Cell.Telemetry;

/// <summary>
/// OpenTelemetry for a cell, the way .NET service defaults set it up: the resource names the service after its
/// Dapr app id; traces from ASP.NET Core (incoming), HttpClient and the gRPC client (outgoing, which carry the W3C
/// <c>traceparent</c> to the sidecar) and the pathways; metrics from the vitals meter, ASP.NET Core, HttpClient and
/// the runtime; logs through the OpenTelemetry logger. Everything is exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the other standard <c>OTEL_*</c> settings).
/// Spans are recorded only when something exports them (that endpoint, or <see cref="RecordSpansKey"/> for an exporter
/// added in code): without, the W3C trace context still flows through the cell (ASP.NET Core continues the caller's
/// <c>traceparent</c>, HttpClient and the gRPC client pass the current one on), but no span objects, tags or
/// listener callbacks are paid per request.
/// </summary>
public static class CellTelemetryExtensions
{
    /// <summary>The setting that turns the OTLP export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// <c>true</c> records the cell's spans although no OTLP endpoint is set (for an exporter or processor added with
    /// <c>ConfigureOpenTelemetryTracerProvider</c>); by default spans are recorded only when they are exported.
    /// </summary>
    public const string RecordSpansKey = "Cell:RecordSpans";

    /// <summary>Adds the cell's telemetry (called by <see cref="CellHostingExtensions.AddCellDefaults"/>).</summary>
    public static IHostApplicationBuilder AddCellTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var healthPath = configuration[CellOptions.SectionName + ":" + nameof(CellOptions.HealthPath)] is { Length: > 0 } path ? path : CellOptions.DefaultHealthPath;
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var exporting = configuration[OtlpEndpointKey] is { Length: > 0 };
        var recordSpans = exporting || bool.TryParse(configuration[RecordSpansKey], out var record) && record;
        builder.Services.TryAddSingleton(_ => new CellTracing(recordSpans));
        // First in the request pipeline, before any middleware of the cell (the gateway's immune layer runs before
        // UseCellDefaults) can read the request activity's id or call its sidecar.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, CellTracingStartupFilter>());
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(CellName(builder)))
            .WithTracing(tracing =>
            {
                // Recording a span nobody exports cost the request path its activity's tags, OpenTelemetry's listener
                // callbacks and a baggage extraction (issue 13, item 8: about 6 % of a trivial request's CPU). Without
                // a listener the runtime still carries the W3C context: see UseCellDefaults for the sampled flag.
                if (recordSpans)
                {
                    tracing
                        .AddSource(CellTelemetry.PathwaysSourceName)
                        .AddSource(builder.Environment.ApplicationName)
                        // The sidecar's health probes (every second) would drown the traces of real calls.
                        .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsHealthProbe(context, healthPath))
                        .AddHttpClientInstrumentation()
                        .AddGrpcClientInstrumentation();
                }
            })
            .WithMetrics(metrics => metrics
                .AddMeter(CellTelemetry.VitalsMeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());
        if (exporting)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsHealthProbe(HttpContext context, string healthPath) =>
        context.Request.Path.StartsWithSegments(healthPath, StringComparison.OrdinalIgnoreCase);

    // The service name is the Dapr app id, as the sidecar names the app in its own spans.
    private static string CellName(IHostApplicationBuilder builder) =>
        builder.Configuration[CellOptions.SectionName + ":" + nameof(CellOptions.Name)] is { Length: > 0 } name ? name
        : builder.Configuration["APP_ID"] is { Length: > 0 } appId ? appId
        : builder.Environment.ApplicationName;
}
