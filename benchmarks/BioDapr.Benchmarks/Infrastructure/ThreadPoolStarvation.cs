using System.Diagnostics.Tracing;

namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>
/// Counts, inside a server's own process, the threads the .NET thread pool added because it was starved: the runtime's
/// <c>ThreadPoolWorkerThreadAdjustmentAdjustment</c> event with reason <c>Starvation</c> (6). The pool's gate thread adds
/// one when work has waited about half a second with no thread free to take it, so each count is a stall of that order
/// that the process brought on itself (a blocked pool thread); a machine that merely gives the process too little CPU
/// makes the rate and the tail worse without these. Informational level only: the pool's verbose per-item events stay off.
/// </summary>
internal sealed class ThreadPoolStarvation : EventListener
{
    private const long ThreadingKeyword = 0x10000;
    private const uint StarvationReason = 6;
    private long _injections;

    /// <summary>Threads added for starvation since this listener started.</summary>
    public long Injections => Interlocked.Read(ref _injections);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)ThreadingKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "ThreadPoolWorkerThreadAdjustmentAdjustment" || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
        {
            return;
        }

        var reason = names.IndexOf("Reason");
        if (reason >= 0 && Convert.ToUInt32(payload[reason], System.Globalization.CultureInfo.InvariantCulture) == StarvationReason)
        {
            Interlocked.Increment(ref _injections);
        }
    }
}
