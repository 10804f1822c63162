namespace BioDapr.Launcher.Telemetry;

/// <summary>The kind of a span (OTLP <c>Span.SpanKind</c>).</summary>
public enum ReceivedSpanKind
{
    /// <summary>Not said.</summary>
    Unspecified = 0,
    /// <summary>Work inside a process.</summary>
    Internal = 1,
    /// <summary>An incoming call.</summary>
    Server = 2,
    /// <summary>An outgoing call.</summary>
    Client = 3,
    /// <summary>A message sent.</summary>
    Producer = 4,
    /// <summary>A message delivered.</summary>
    Consumer = 5,
}

/// <summary>The status of a span (OTLP <c>Status.StatusCode</c>).</summary>
public enum ReceivedSpanStatus
{
    /// <summary>No status set.</summary>
    Unset = 0,
    /// <summary>Marked successful.</summary>
    Ok = 1,
    /// <summary>Failed.</summary>
    Error = 2,
}

/// <summary>One span as an app exported it.</summary>
/// <param name="Service">The resource's <c>service.name</c>.</param>
/// <param name="Scope">The instrumentation scope (activity source) name.</param>
/// <param name="TraceId">The trace id, 32 lowercase hex digits.</param>
/// <param name="SpanId">The span id, 16 lowercase hex digits.</param>
/// <param name="ParentSpanId">The parent span id, or empty for a root span.</param>
/// <param name="Name">The span name.</param>
/// <param name="Kind">The span kind.</param>
/// <param name="Attributes">The span's string attributes.</param>
public sealed record ReceivedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    ReceivedSpanKind Kind,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The span's status code (read from OTLP protobuf; <see cref="ReceivedSpanStatus.Unset"/> when not sent).</summary>
    public ReceivedSpanStatus Status { get; init; }

    /// <summary>When the span started, in nanoseconds since the Unix epoch (0 when not sent).</summary>
    public ulong StartUnixNano { get; init; }

    /// <summary>When the span ended, in nanoseconds since the Unix epoch (0 when not sent).</summary>
    public ulong EndUnixNano { get; init; }

    /// <summary>How long the span lasted, in milliseconds (0 when a time is missing or the end is before the start).</summary>
    public double DurationMs => EndUnixNano > StartUnixNano ? (EndUnixNano - StartUnixNano) / 1e6 : 0;
}
