using BioDapr.Scenarios;

namespace BioDapr.Simulation.Evaluation;

/// <summary>
/// The best goodput any controller could achieve: per second, the smaller of the requests that
/// arrived and the bottleneck capacity under that phase's faults (<see cref="CapacityEstimate"/> with
/// the phase's slots and mean service times). A latency fault raises the faulty cell's mean service time;
/// an error fault costs nothing extra (a perfect controller retries the failures, which fail before
/// taking a slot); an outage on a cell every request visits, or a fault-free path slower than the SLO,
/// makes the bound 0 (per entry API, weighted by the phase's mix). Slow replicas count as fewer
/// fast slots (a perfect balancer avoids them). Controllers that cut slow attempts short can beat the bound during a latency
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
        var shares = phase.SharesOf(topology);
        var visits = CapacityEstimate.VisitsPerRequest(topology, shares);
        if (phase.Faults.Any(f => f.Kind == FaultKind.Outage && visits.GetValueOrDefault(f.Cell) > 0))
        {
            return 0;
        }

        Fault? SlowOf(string cell) => phase.Faults.FirstOrDefault(f => f.Cell == cell && f.Kind == FaultKind.Latency);

        double MeanMs(string cell)
        {
            var mean = topology[cell].ServiceTime.MeanMs;
            if (SlowOf(cell) is { Replicas: 0 } slow)
            {
                mean = slow.AddedLatencyMs > 0 ? mean + (slow.Fraction * slow.AddedLatencyMs) : mean * (1 - slow.Fraction + (slow.Fraction * slow.LatencyMultiplier));
            }

            return mean;
        }

        // Slow replicas: a perfect controller sends to the fast ones at their full speed and still gets
        // the slow ones' (reduced) throughput, so they count as fewer, equally fast slots.
        double Slots(string cell)
        {
            var model = topology[cell];
            var perReplica = phase.Faults.FirstOrDefault(f => f.Cell == cell && f.Kind == FaultKind.SlotReduction) is { } loss ? Math.Max(1, loss.Slots) : model.Slots;
            if (SlowOf(cell) is not { Replicas: > 0 } slow)
            {
                return (double)perReplica * model.Replicas;
            }

            var fastHold = CapacityEstimate.HoldingMs(topology, cell, MeanMs);
            var own = model.ServiceTime.MeanMs;
            var slowHold = fastHold + (slow.Fraction * (slow.AddedLatencyMs > 0 ? slow.AddedLatencyMs : own * (slow.LatencyMultiplier - 1)));
            return perReplica * (model.Replicas - slow.Replicas + (slow.Replicas * fastHold / slowHold));
        }

        // APIs whose fault-free path is slower than the SLO can produce no goodput.
        var feasible = shares.Where(s => CapacityEstimate.HoldingMs(topology, s.Api.Cell, MeanMs) <= scenario.Slo.LatencyMs).ToList();
        if (feasible.Count == 0)
        {
            return 0;
        }

        return CapacityEstimate.EntryRps(topology, Slots, MeanMs, shares) * feasible.Sum(s => s.Share);
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
