namespace BioDapr.Sidecar.Messaging;

/// <summary>What a publish contributes to the envelope.</summary>
/// <param name="Source">The publishing app id.</param>
/// <param name="Topic">The topic.</param>
/// <param name="PubsubName">The pub/sub component name.</param>
/// <param name="DataContentType">The request Content-Type, verbatim (null when absent).</param>
/// <param name="Data">The request body.</param>
/// <param name="TraceParent">The publish span's traceparent, or empty when tracing is off.</param>
/// <param name="TraceState">The tracestate, or empty.</param>
internal sealed record EnvelopeRequest(
    string Source,
    string Topic,
    string PubsubName,
    string? DataContentType,
    ReadOnlyMemory<byte> Data,
    string TraceParent,
    string TraceState);
