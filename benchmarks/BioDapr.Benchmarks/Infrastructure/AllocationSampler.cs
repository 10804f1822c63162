using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>
/// Which types a process allocates, sampled in-process from the runtime's <c>GCAllocationTick</c> events (one event
/// per ~100 KB allocated, naming the type of the object that crossed the mark), so the share of each type is
/// proportional to its bytes. Used by the SDK-overhead benchmark (<c>--alloc-types</c>) to say where a request's
/// allocation goes without an external profiler.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const long GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _recording;

    /// <summary>Starts (or restarts) counting.</summary>
    public void Start()
    {
        _bytesByType.Clear();
        _recording = true;
    }

    /// <summary>Stops counting and returns bytes by type, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> Stop()
    {
        _recording = false;
        return [.. _bytesByType.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value))];
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
        {
            return;
        }

        var type = "?";
        long amount = 0;
        for (var i = 0; i < eventData.PayloadNames.Count; i++)
        {
            switch (eventData.PayloadNames[i])
            {
                case "TypeName":
                    type = eventData.Payload?[i] as string ?? "?";
                    break;
                case "AllocationAmount64":
                    amount = Convert.ToInt64(eventData.Payload?[i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "AllocationAmount" when amount == 0:
                    amount = Convert.ToInt64(eventData.Payload?[i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
            }
        }

        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
