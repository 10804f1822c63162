using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Cell.Telemetry;

/// <summary>
/// The request spans of a cell that does not record spans (no OTLP endpoint and no
/// <see cref="CellTelemetryExtensions.RecordSpansKey"/>): ASP.NET Core still starts one activity per request, continuing
/// the caller's <c>traceparent</c>, so logs carry the trace id and HttpClient and the gRPC client pass the context on to
/// the sidecar; it is created for propagation only (no tags, no OpenTelemetry callbacks). Its sampled flag is set as the
/// default sampler (parent-based, always on) sets it when spans are recorded: sampled when the caller's was, and for a
/// request that came without one, so the sidecars and cells after this one decide as they did before.
/// </summary>
internal sealed class CellTracing : IDisposable
{
    /// <summary>The activity source ASP.NET Core's hosting starts request activities from.</summary>
    internal const string AspNetCoreSourceName = "Microsoft.AspNetCore";

    private readonly ActivityListener? _propagationOnly;

    public CellTracing(bool recordsSpans)
    {
        RecordsSpans = recordsSpans;
        if (!recordsSpans)
        {
            // Without any listener ASP.NET Core makes the activity only while its hosting logger is enabled; with this one it
            // always does, and cheaply. A recording listener (OpenTelemetry's, in another host of the process) still wins.
            _propagationOnly = new ActivityListener
            {
                ShouldListenTo = source => source.Name == AspNetCoreSourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            };
            ActivitySource.AddActivityListener(_propagationOnly);
        }
    }

    /// <summary>Whether the cell's spans are recorded (and exported).</summary>
    public bool RecordsSpans { get; }

    /// <summary>
    /// Middleware (first in the pipeline through <see cref="CellTracingStartupFilter"/>, before anything reads the
    /// activity's id, which fixes its flags in the string):
    /// the request's unrecorded activity gets the sampled flag when it has no remote parent or the parent was sampled.
    /// </summary>
    public static Task MarkSampled(HttpContext context, RequestDelegate next)
    {
        if (Activity.Current is { Recorded: false, IdFormat: ActivityIdFormat.W3C } activity
            && ((activity.ParentSpanId == default && activity.ParentId is null) || ParentSampled(context.Request.Headers.TraceParent.ToString())))
        {
            activity.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        }

        return next(context);
    }

    // W3C traceparent: version-traceid-parentid-flags; bit 0 of the flags is "sampled".
    internal static bool ParentSampled(string traceParent) =>
        traceParent.Length >= 55 && traceParent[^3] == '-'
        && byte.TryParse(traceParent.AsSpan(traceParent.Length - 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var flags)
        && (flags & 1) == 1;

    public void Dispose() => _propagationOnly?.Dispose();
}

/// <summary>Puts <see cref="CellTracing.MarkSampled"/> first in the request pipeline when the cell does not record spans.</summary>
internal sealed class CellTracingStartupFilter(CellTracing tracing) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (!tracing.RecordsSpans)
        {
            app.Use(CellTracing.MarkSampled);
        }

        next(app);
    };
}
