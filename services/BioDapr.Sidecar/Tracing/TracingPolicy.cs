using System.Globalization;

namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// Whether and how the sidecar traces, from the Configuration's <c>tracing.samplingRate</c>: exactly
/// <c>"0"</c> turns tracing off (no spans, empty trace fields in envelopes); an empty or invalid value
/// means 1e-4, as in daprd. New root spans are sampled with that probability; child spans follow
/// their parent's decision.
/// </summary>
internal sealed class TracingPolicy(string? samplingRate, Random random)
{
    private const double DefaultRate = 1e-4;

    private readonly double _rate = ParseRate(samplingRate);

    /// <summary>False only when the sampling rate is exactly "0".</summary>
    public bool Enabled { get; } = samplingRate?.Trim() != "0";

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

    private static double ParseRate(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate >= 0
            ? Math.Min(rate, 1)
            : DefaultRate;
}
