namespace BioDapr.Testing.Telemetry;

/// <summary>The kind of a span (OTLP <c>Span.SpanKind</c>).</summary>
public enum ReceivedSpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>The status of a span (OTLP <c>Status.StatusCode</c>).</summary>
public enum ReceivedSpanStatus
{
    Unset = 0,
    Ok = 1,
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
}
