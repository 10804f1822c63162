namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// daprd's spans of a bulk publish (<c>pkg/api/http</c> <c>onBulkPublish</c>, <c>pkg/api/grpc</c> <c>bulkPublishEvent</c>):
/// besides the call's own span, one producer span per entry wrapped in a CloudEvent, a child of the call's span, whose
/// <c>traceparent</c> goes in that entry's envelope (so each event's subscribers continue their own entry's span). All of
/// them end together with the call's outcome, named as daprd names them: the request path over HTTP, the gRPC method
/// with a trailing '/' over gRPC.
/// </summary>
internal sealed class BulkPublishSpans(TracingPolicy tracing, TraceContext? call, string name)
{
    private readonly List<TraceContext> _entries = [];

    /// <summary>The span of one entry (null when tracing is off); recorded when the call's span is.</summary>
    public TraceContext? StartEntry()
    {
        if (call is not { } parent)
        {
            return null;
        }

        var entry = tracing.StartProducer(parent);
        lock (_entries)
        {
            _entries.Add(entry);
        }

        return entry;
    }

    /// <summary>Ends every entry's span with the call's outcome: <paramref name="error"/>, or success when null.</summary>
    public void End(string? error)
    {
        lock (_entries)
        {
            foreach (var entry in _entries)
            {
                tracing.End(entry, name, error);
            }

            _entries.Clear();
        }
    }
}
