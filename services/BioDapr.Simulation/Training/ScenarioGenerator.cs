using BioDapr.Scenarios;

namespace BioDapr.Simulation.Training;

/// <summary>
/// Random training scenarios in the reference's family, so the agent learns the kinds of trouble rather
/// than one script: entry → a bottleneck cell (4–16 slots, 5–25 ms of own work, 1–3 sequential calls)
/// → a backend (8–32 slots, lognormal 1–5 ms); a warm-up, then five disturbances drawn from latency
/// spikes, error bursts, outages, overload ramps and spikes and capacity loss, each followed by a
/// recovery at 55–85 % of capacity. The same seed gives the same scenario.
/// </summary>
public static class ScenarioGenerator
{
    /// <summary>A random scenario of about two and a half minutes.</summary>
    public static Scenario Generate(int seed)
    {
        var random = new Random(seed);
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        var bottleneckSlots = random.Next(4, 17);
        var backendSlots = random.Next(8, 33);
        var calls = random.Next(1, 4);
        var topology = new Topology("gateway", new Dictionary<string, CellModel>(StringComparer.Ordinal)
        {
            ["gateway"] = new(256, new Distribution(DistributionKind.Constant, 0.2), [new DownstreamCall("orders", 1)]),
            ["orders"] = new(bottleneckSlots, new Distribution(DistributionKind.Constant, Between(5, 25)), [new DownstreamCall("inventory", calls)]),
            ["inventory"] = new(backendSlots, new Distribution(DistributionKind.Lognormal, Between(1, 5), 0.5), []),
        });
        var phases = new List<ScenarioPhase> { Constant("warm-up", random.Next(10, 21), Between(40, 70)) };
        for (var i = 0; i < 5; i++)
        {
            var length = random.Next(15, 41);
            var rate = Between(55, 85);
            phases.Add(random.Next(6) switch
            {
                0 => Constant("latency", length, rate, new Fault("inventory", FaultKind.Latency, Fraction: Between(0.1, 0.4), LatencyMultiplier: Between(3, 12))),
                1 => Constant("errors", length, rate, new Fault("inventory", FaultKind.Errors, Fraction: Between(0.1, 0.4))),
                2 => Constant("outage", length, rate, new Fault("inventory", FaultKind.Outage)),
                3 => new ScenarioPhase("ramp", TimeSpan.FromSeconds(length), new RateSchedule(rate, Between(120, 200), Percent: true), []),
                4 => Constant("spike", length, Between(180, 300)),
                _ => Constant("capacity-loss", length, rate, new Fault("orders", FaultKind.SlotReduction, Slots: Math.Max(1, bottleneckSlots / 2))),
            });
            phases.Add(Constant("recovery", random.Next(15, 31), Between(55, 85)));
        }

        return new Scenario
        {
            Name = $"generated-{seed}",
            Seed = seed,
            Slo = new ServiceLevel(250, 1000),
            Topology = topology,
            CapacityRps = CapacityEstimate.EntryRps(topology),
            Phases = phases,
        };
    }

    private static ScenarioPhase Constant(string name, int seconds, double percent, params Fault[] faults) =>
        new(name, TimeSpan.FromSeconds(seconds), new RateSchedule(percent, percent, Percent: true), faults);
}
