using System.Diagnostics;

namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// A W3C trace context (<c>traceparent</c> + <c>tracestate</c>). daprd starts a span for every API
/// call and every delivery; this type is the part of that span that travels on the wire.
/// </summary>
internal readonly record struct TraceContext(string TraceId, string SpanId, bool Sampled, string TraceState)
{
    /// <summary>The <c>traceparent</c> header value: <c>00-&lt;trace-id&gt;-&lt;span-id&gt;-&lt;flags&gt;</c>.</summary>
    public string TraceParent => $"00-{TraceId}-{SpanId}-{(Sampled ? "01" : "00")}";

    /// <summary>Parses a <c>traceparent</c> (and optional <c>tracestate</c>); false when absent or invalid.</summary>
    public static bool TryParse(string? traceParent, string? traceState, out TraceContext context)
    {
        context = default;
        if (string.IsNullOrEmpty(traceParent))
        {
            return false;
        }

        var parts = traceParent.Trim().Split('-');
        if (parts.Length < 4 || parts[0].Length != 2 || parts[1].Length != 32 || parts[2].Length != 16 || parts[3].Length != 2)
        {
            return false;
        }

        if (parts[0] == "ff" || (parts[0] == "00" && parts.Length != 4) || !IsHex(parts[0]) || !IsHex(parts[1]) || !IsHex(parts[2]) || !IsHex(parts[3]))
        {
            return false;
        }

        if (parts[1].All(c => c == '0') || parts[2].All(c => c == '0'))
        {
            return false;
        }

        var flags = Convert.ToByte(parts[3], 16);
        context = new TraceContext(parts[1].ToLowerInvariant(), parts[2].ToLowerInvariant(), (flags & 1) == 1, traceState?.Trim() ?? string.Empty);
        return true;
    }

    /// <summary>Starts a new trace.</summary>
    public static TraceContext NewRoot(bool sampled) => new(NewId(16), NewId(8), sampled, string.Empty);

    /// <summary>A child span of this context: same trace id, sampling decision and state; a new span id.</summary>
    public TraceContext NewChild() => this with { SpanId = NewId(8), ParentSpanId = SpanId, Recording = null };

    /// <summary>The context of a recorded span: its activity's ids, sampled.</summary>
    public static TraceContext Of(Activity activity, string traceState) =>
        new(activity.TraceId.ToHexString(), activity.SpanId.ToHexString(), Sampled: true, traceState) { Recording = activity };

    /// <summary>
    /// The activity that records this span for export (its span id is <see cref="SpanId"/>); null when the span is not
    /// sampled or no collector is configured.
    /// </summary>
    public Activity? Recording { get; init; }

    /// <summary>The span id of this span's parent (what it was made a child of), or empty for a root or a parsed context.</summary>
    public string ParentSpanId { get; init; } = string.Empty;

    private static string NewId(int bytes)
    {
        Span<byte> buffer = stackalloc byte[16];
        var id = buffer[..bytes];
        // Trace ids need to be unique, not secret: the shared PRNG is enough and far cheaper per span.
        do
        {
            Random.Shared.NextBytes(id);
        }
        while (!id.ContainsAnyExcept((byte)0));

        return Convert.ToHexStringLower(id);
    }

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit);
}
