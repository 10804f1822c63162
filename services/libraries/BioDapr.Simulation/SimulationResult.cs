namespace BioDapr.Simulation;

/// <summary>One simulated second (by arrival time) at the entry cell.</summary>
public sealed record SimulatedSecond
{
    /// <summary>Seconds since the start.</summary>
    public required int Second { get; init; }

    /// <summary>Requests that arrived.</summary>
    public int Arrivals { get; set; }

    /// <summary>Succeeded within the SLO.</summary>
    public int Goodput { get; set; }

    /// <summary>Succeeded too late.</summary>
    public int Slow { get; set; }

    /// <summary>Failed (an error, a shed or an open breaker on the way).</summary>
    public int Failed { get; set; }

    /// <summary>The client gave up at its deadline.</summary>
    public int Abandoned { get; set; }

    /// <summary>Latencies of the completed requests, ms.</summary>
    public List<double> Latencies { get; } = [];
}

/// <summary>What a run produced.</summary>
/// <param name="Seconds">Per-second results.</param>
/// <param name="Attempts">Downstream attempts per pathway (caller→target).</param>
/// <param name="Calls">Downstream calls per pathway (before retries).</param>
/// <param name="MeanQueueWaitMs">Mean time a request waited for a slot, per cell.</param>
/// <param name="Completed">Entry requests completed (any outcome).</param>
/// <param name="Events">Events processed (for speed measurements).</param>
public sealed record SimulationResult(
    IReadOnlyList<SimulatedSecond> Seconds,
    IReadOnlyDictionary<string, long> Attempts,
    IReadOnlyDictionary<string, long> Calls,
    IReadOnlyDictionary<string, double> MeanQueueWaitMs,
    long Completed,
    long Events)
{
    /// <summary>Requests the clients sent, their own retries included (equals the arrivals without client retries).</summary>
    public long ClientAttempts { get; init; }

    /// <summary>Requests to a cell abandoned by their caller (timeout, lost hedge, client gave up) before the cell answered: dropped from the queue or their slot freed.</summary>
    public long AbandonedVisits { get; init; }

    /// <summary>Client-side amplification: requests sent ÷ arrivals (1 without client retries).</summary>
    public double ClientAmplification => Seconds.Sum(s => (long)s.Arrivals) is var arrivals and > 0 ? (double)ClientAttempts / arrivals : 1;

    /// <summary>Retry amplification of a pathway: attempts ÷ calls.</summary>
    public double Amplification(string pathway) => Calls.TryGetValue(pathway, out var calls) && calls > 0 ? (double)Attempts[pathway] / calls : 1;
}

/// <summary>One controller decision in a run.</summary>
/// <param name="AtMs">Simulated time of the decision.</param>
/// <param name="Pathway">The pathway (<c>caller→target</c>).</param>
/// <param name="Window">The window the controller saw.</param>
/// <param name="Chosen">The hormones it chose for the next interval.</param>
public sealed record DecisionRecord(double AtMs, string Pathway, BioDapr.Control.Controllers.PathwayWindow Window, BioDapr.Pathways.Hormones.PathwayHormones Chosen);
