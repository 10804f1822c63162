using BioDapr.Scenarios;

namespace BioDapr.Simulation.Evaluation;

/// <summary>
/// The best goodput any controller could achieve: per second, the smaller of the requests that
/// arrived and the bottleneck capacity under that phase's faults (<see cref="CapacityEstimate"/> with
/// the phase's slots and mean service times). A latency fault raises the faulty cell's mean service time;
/// an error fault costs nothing extra (a perfect controller retries the failures, which fail before
/// taking a slot); an outage on a cell every request visits, or a fault-free path slower than the SLO,
/// makes the bound 0. Controllers that cut slow attempts short can beat the bound during a latency
/// fault: it is the capacity at the mean service time, not a proof of optimality.
/// </summary>
public static class OracleBound
{
    /// <summary>The bound in requests per second for <paramref name="phase"/>.</summary>
    public static double CapacityRps(Scenario scenario, ScenarioPhase phase)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(phase);
        var topology = scenario.Topology;
        var visits = CapacityEstimate.VisitsPerRequest(topology);
        if (phase.Faults.Any(f => f.Kind == FaultKind.Outage && visits.GetValueOrDefault(f.Cell) > 0))
        {
            return 0;
        }

        int Slots(string cell) =>
            phase.Faults.FirstOrDefault(f => f.Cell == cell && f.Kind == FaultKind.SlotReduction) is { } loss ? Math.Max(1, loss.Slots) : topology[cell].Slots;

        double MeanMs(string cell)
        {
            var mean = topology[cell].ServiceTime.MeanMs;
            if (phase.Faults.FirstOrDefault(f => f.Cell == cell && f.Kind == FaultKind.Latency) is { } slow)
            {
                mean = slow.AddedLatencyMs > 0 ? mean + (slow.Fraction * slow.AddedLatencyMs) : mean * (1 - slow.Fraction + (slow.Fraction * slow.LatencyMultiplier));
            }

            return mean;
        }

        if (CapacityEstimate.HoldingMs(topology, topology.Entry, MeanMs) > scenario.Slo.LatencyMs)
        {
            return 0;
        }

        return CapacityEstimate.EntryRps(topology, Slots, MeanMs);
    }

    /// <summary>The bound for one simulated second: min(arrivals, capacity of the phase at that second).</summary>
    public static double ForSecond(Scenario scenario, SimulatedSecond second)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(second);
        return scenario.PhaseAt(TimeSpan.FromSeconds(second.Second)) is { } current
            ? Math.Min(second.Arrivals, CapacityRps(scenario, current.Phase))
            : 0;
    }
}
