namespace BioDapr.Scenarios;

/// <summary>One phase: how long, at what arrival rate, with which pathogens (faults) active.</summary>
public sealed record ScenarioPhase(string Name, TimeSpan Duration, RateSchedule Rate, IReadOnlyList<Fault> Faults)
{
    /// <summary>The share of the arrivals per entry API in this phase (null: the topology's shares).</summary>
    public IReadOnlyDictionary<string, double>? Mix { get; init; }

    /// <summary>The normalised share of each API of <paramref name="topology"/> in this phase.</summary>
    public IReadOnlyList<(EntryApi Api, double Share)> SharesOf(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var raw = topology.Apis.Select(api => (api, Mix is null ? api.Share : Mix.GetValueOrDefault(api.Name))).ToList();
        var total = raw.Sum(r => r.Item2);
        return raw.Select(r => (r.api, total > 0 ? r.Item2 / total : 1.0 / raw.Count)).ToList();
    }
}

/// <summary>
/// The arrival rate over a phase: a constant, or a linear ramp, given in requests per second or as a
/// percentage of the scenario's capacity.
/// </summary>
/// <param name="From">Rate at the phase start (rps, or percent when <paramref name="Percent"/>).</param>
/// <param name="To">Rate at the phase end (equals <paramref name="From"/> for a constant rate).</param>
/// <param name="Percent">Whether the numbers are percentages of capacity.</param>
public sealed record RateSchedule(double From, double To, bool Percent)
{
    /// <summary>The rate in requests per second at <paramref name="intoPhase"/>.</summary>
    public double At(TimeSpan intoPhase, TimeSpan phaseLength, double capacityRps)
    {
        var progress = phaseLength <= TimeSpan.Zero ? 0 : Math.Clamp(intoPhase / phaseLength, 0, 1);
        var value = From + ((To - From) * progress);
        return Percent ? value / 100.0 * capacityRps : value;
    }
}

/// <summary>A pathogen active during a phase, on one cell.</summary>
/// <param name="Cell">The cell it affects.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Fraction">Share of requests affected (latency and errors).</param>
/// <param name="LatencyMultiplier">Latency: the service time is multiplied by this.</param>
/// <param name="AddedLatencyMs">Latency: this much is added.</param>
/// <param name="StatusCode">Errors: the status answered (503 by default).</param>
/// <param name="Slots">Capacity loss: the worker slots left (per replica).</param>
/// <param name="Replicas">Latency: only this many of the cell's replicas are slow (the first ones); 0 means all of them.</param>
public sealed record Fault(
    string Cell,
    FaultKind Kind,
    double Fraction = 1,
    double LatencyMultiplier = 1,
    double AddedLatencyMs = 0,
    int StatusCode = 503,
    int Slots = 0,
    int Replicas = 0);

/// <summary>Pathogen kinds.</summary>
public enum FaultKind
{
    /// <summary>Slower service on a fraction of requests.</summary>
    Latency,

    /// <summary>Errors on a fraction of requests.</summary>
    Errors,

    /// <summary>Every request fails (connection refused).</summary>
    Outage,

    /// <summary>Fewer worker slots.</summary>
    SlotReduction,
}
