using System.Text.Json.Serialization;

namespace BioDapr.Contracts.Vitals;

/// <summary>
/// One fixed window of vital signs for a pathway or an endpoint: what happened to the calls that
/// ended in the window, the latency distribution of completed calls, and the load at its end. Cells
/// publish one per window as the <c>vitals</c> event; the cortex decides on them.
/// </summary>
public sealed record VitalsWindow
{
    /// <summary>The cell (app id) that measured.</summary>
    public required string Cell { get; init; }

    /// <summary>The pathway (target) or endpoint name.</summary>
    public required string Name { get; init; }

    /// <summary>Pathway or endpoint.</summary>
    public required VitalsKind Kind { get; init; }

    /// <summary>When the window opened.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>When the window closed.</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>Calls started in the window.</summary>
    public long Calls { get; init; }

    /// <summary>Calls that ended with a usable answer (2xx/3xx, or 4xx from a healthy target).</summary>
    public long Successes { get; init; }

    /// <summary>Good calls that also met the latency SLO (goodput).</summary>
    public long SuccessesWithinSlo { get; init; }

    /// <summary>Calls answered 4xx.</summary>
    public long ClientErrors { get; init; }

    /// <summary>Calls that ended with a 5xx.</summary>
    public long ServerErrors { get; init; }

    /// <summary>Calls that ended with an attempt timeout.</summary>
    public long Timeouts { get; init; }

    /// <summary>Calls that could not reach the target.</summary>
    public long TransportErrors { get; init; }

    /// <summary>Calls rejected by the open breaker.</summary>
    public long BreakerOpen { get; init; }

    /// <summary>Calls shed by the concurrency limit.</summary>
    public long Shed { get; init; }

    /// <summary>Calls the caller gave up on.</summary>
    public long Canceled { get; init; }

    /// <summary>Attempts made (first attempts, retries and hedges).</summary>
    public long Attempts { get; init; }

    /// <summary>Retries made.</summary>
    public long Retries { get; init; }

    /// <summary>Hedged attempts made.</summary>
    public long Hedges { get; init; }

    /// <summary>Median latency of completed calls, ms.</summary>
    public double LatencyP50Ms { get; init; }

    /// <summary>95th percentile latency, ms.</summary>
    public double LatencyP95Ms { get; init; }

    /// <summary>99th percentile latency, ms.</summary>
    public double LatencyP99Ms { get; init; }

    /// <summary>Mean latency, ms.</summary>
    public double LatencyMeanMs { get; init; }

    /// <summary>Largest latency, ms.</summary>
    public double LatencyMaxMs { get; init; }

    /// <summary>Time calls spent waiting for a concurrency slot, 95th percentile.</summary>
    public double QueueWaitP95Ms { get; init; }

    /// <summary>Calls in flight when the window closed.</summary>
    public int InFlight { get; init; }

    /// <summary>The most calls in flight at once during the window.</summary>
    public int MaxInFlight { get; init; }

    /// <summary>Calls waiting for a slot when the window closed.</summary>
    public int Queued { get; init; }

    /// <summary>The concurrency limit in effect when the window closed.</summary>
    public int Limit { get; init; }

    /// <summary>The latency SLO the goodput was measured against, in milliseconds.</summary>
    public double SloMs { get; init; }

    /// <summary>Calls that ended in the window.</summary>
    [JsonIgnore]
    public long Completed => Successes + ServerErrors + Timeouts + TransportErrors + BreakerOpen + Shed + Canceled;

    /// <summary>Failed calls (everything that is not a usable answer, shed included).</summary>
    [JsonIgnore]
    public long Failures => Completed - Successes;

    /// <summary>
    /// Whether anything happened to the pathway or endpoint in the window: a call started, ended, was retried or is
    /// still in flight. A window where the only news is a call that started earlier and ended now (a failure, often)
    /// is activity too; only a window without any of these is quiet.
    /// </summary>
    [JsonIgnore]
    public bool HasActivity => Calls > 0 || Completed > 0 || Attempts > 0 || InFlight > 0 || Queued > 0;

    /// <summary>Attempts per call: retry amplification (1 = none).</summary>
    [JsonIgnore]
    public double Amplification => Calls == 0 ? 1 : (double)Attempts / Calls;

    /// <summary>Window length in seconds.</summary>
    [JsonIgnore]
    public double Seconds => Math.Max(1e-9, (End - Start).TotalSeconds);

    /// <summary>Goodput: good calls within the SLO per second.</summary>
    [JsonIgnore]
    public double GoodputPerSecond => SuccessesWithinSlo / Seconds;
}
