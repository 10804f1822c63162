using System.Diagnostics;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// Whether and how the sidecar traces, from the Configuration's <c>tracing</c> settings: a sampling
/// rate of 0 turns tracing off (no spans, empty trace fields in envelopes); an empty or invalid value
/// means 1e-4, as in daprd. New root spans are sampled with that probability; child spans follow
/// their parent's decision (daprd's parent-based ratio sampler, with the injected random source).
/// A sampled span is recorded, as an <see cref="Activity"/> whose span id is the hop's, when
/// <c>spec.tracing.otel</c> names a collector (<see cref="Export"/>); otherwise a span is only its ids.
/// </summary>
internal sealed class TracingPolicy(TracingSettings settings, Random random) : IDisposable
{
    private readonly double _rate = settings.EffectiveSamplingRate;

    /// <summary>Where recorded spans go (the Configuration's <c>spec.tracing.otel</c>); null when none is configured.</summary>
    public SpanExport? Export { get; init; }

    /// <summary>The clock of span start and end times.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>False when the sampling rate is 0.</summary>
    public bool Enabled { get; } = settings.Enabled;

    /// <summary>
    /// The span for an incoming call (a server span): a child of the caller's context if it sent one, otherwise a new
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
            return Child(parent, ActivityKind.Server);
        }

        bool sampled;
        lock (random)
        {
            sampled = _rate >= 1 || random.NextDouble() < _rate;
        }

        if (sampled && Export?.Start(ActivityKind.Server, default, Time.GetUtcNow()) is { } activity)
        {
            return TraceContext.Of(activity, string.Empty);
        }

        return TraceContext.NewRoot(sampled);
    }

    /// <summary>
    /// The consumer span of a pub/sub delivery: a child of the publisher's context. Null when tracing is off or the event
    /// carries no valid context.
    /// </summary>
    public TraceContext? StartDelivery(string? traceParent, string? traceState) =>
        Enabled && TraceContext.TryParse(traceParent, traceState, out var parent) ? Child(parent, ActivityKind.Consumer) : null;

    /// <summary>
    /// A producer span under <paramref name="parent"/> (daprd's span of one bulk-published entry): recorded when the parent
    /// is sampled and a collector is configured, otherwise only its ids.
    /// </summary>
    public TraceContext StartProducer(in TraceContext parent) => Child(parent, ActivityKind.Producer);

    /// <summary>
    /// Ends <paramref name="span"/> now: when it is recorded, names it, adds <paramref name="attributes"/>, sets its status
    /// (an error with <paramref name="error"/> as description when that is not null) and hands it to the export.
    /// </summary>
    public void End(TraceContext? span, string name, string? error, ReadOnlySpan<KeyValuePair<string, string>> attributes = default)
    {
        if (span?.Recording is not { } activity)
        {
            return;
        }

        activity.DisplayName = name;
        foreach (var (key, value) in attributes)
        {
            activity.SetTag(key, value);
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
        }

        activity.SetEndTime(Time.GetUtcNow().UtcDateTime);
        var current = Activity.Current;
        activity.Stop();
        Activity.Current = current;
    }

    /// <summary>Sends the recorded spans still queued, then stops the export.</summary>
    public void Dispose() => Export?.Dispose();

    private TraceContext Child(in TraceContext parent, ActivityKind kind)
    {
        if (parent.Sampled && Export is { } export)
        {
            var context = new ActivityContext(
                ActivityTraceId.CreateFromString(parent.TraceId),
                ActivitySpanId.CreateFromString(parent.SpanId),
                ActivityTraceFlags.Recorded,
                parent.TraceState.Length == 0 ? null : parent.TraceState,
                isRemote: true);
            if (export.Start(kind, context, Time.GetUtcNow()) is { } activity)
            {
                return TraceContext.Of(activity, parent.TraceState) with { ParentSpanId = parent.SpanId };
            }
        }

        return parent.NewChild();
    }
}
