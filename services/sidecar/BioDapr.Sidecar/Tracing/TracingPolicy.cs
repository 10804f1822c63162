using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// Whether and how the sidecar traces, from the Configuration's <c>tracing</c> settings: a sampling
/// rate of 0 turns tracing off (no spans, empty trace fields in envelopes); an empty or invalid value
/// means 1e-4, as in daprd. New root spans are sampled with that probability; child spans follow
/// their parent's decision.
/// </summary>
internal sealed class TracingPolicy(TracingSettings settings, Random random)
{
    /// <summary>Where finished spans go (the Configuration's <c>spec.tracing.otel</c>); null when none is configured.</summary>
    public OtlpSpanExporter? Exporter { get; init; }

    /// <summary>The clock of span start and end times.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Exports <paramref name="span"/> as finished now, when tracing is on, it was sampled and an exporter is configured.</summary>
    public void End(TraceContext? span, string name, SpanKind kind, DateTimeOffset start, bool failed)
    {
        if (span is { } finished && Exporter is { } exporter)
        {
            exporter.Record(finished, name, kind, start, Time.GetUtcNow(), failed);
        }
    }

    private readonly double _rate = settings.EffectiveSamplingRate;

    /// <summary>False when the sampling rate is 0.</summary>
    public bool Enabled { get; } = settings.Enabled;

    /// <summary>
    /// The span for an incoming call: a child of the caller's context if it sent one, otherwise a new
    /// root. Null when tracing is off.
    /// </summary>
    public TraceContext? StartSpan(string? traceParent, string? traceState)
    {
        if (!Enabled)
        {
            return null;
        }

        if (TraceContext.TryParse(traceParent, traceState, out var parent))
        {
            return parent.NewChild();
        }

        bool sampled;
        lock (random)
        {
            sampled = _rate >= 1 || random.NextDouble() < _rate;
        }

        return TraceContext.NewRoot(sampled);
    }
}
