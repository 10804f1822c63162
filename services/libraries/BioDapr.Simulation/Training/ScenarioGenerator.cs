using BioDapr.Scenarios;
using BioDapr.Simulation.Randomness;

namespace BioDapr.Simulation.Training;

/// <summary>The scenario families the generator draws from (docs/cortex.md, "Scenario families").</summary>
public enum ScenarioFamily
{
    /// <summary>The SLO is 2–4 × the calm path time, so the limit must track capacity closely; mixed disturbances.</summary>
    TightSlo,

    /// <summary>The bottleneck loses 50–80 % of its slots for 8–25 s, again and again, faster than Gradient2 follows; rate close to the old capacity.</summary>
    CapacityShift,

    /// <summary>Faults that come together: latency + overload, errors + overload, capacity loss + a spike.</summary>
    CombinedFaults,

    /// <summary>The backend gets slower (+20–120 ms on 30–100 % of calls) at a calm rate: latency that is not congestion.</summary>
    DownstreamLatency,

    /// <summary>The reference's mix (latency spikes, error bursts, outages, ramps, spikes, capacity loss) with a loose SLO.</summary>
    Mixed,

    /// <summary>Clients retry (2–3 times, 20–100 ms back-off, deadline 1.5–2.5 × SLO); a short spike or slowdown starts a storm that the retries keep alive at 80–95 % load.</summary>
    RetryStorm,

    /// <summary>The bottleneck runs as 3–6 replicas; 1–2 of them get 5–20 × slower for a while: latency where hedging or a short timeout with retry pays.</summary>
    SlowReplicas,

    /// <summary>Three entry APIs of different cost (1, 2 and 4 calls) compete for one database; the mix shifts and one API surges: per-API admission (TopFull).</summary>
    MultiApi,
}

/// <summary>
/// Seeded scenario generator. A seed picks a family (<see cref="ScenarioFamily"/>) and draws everything
/// else from documented ranges (docs/scenarios.md, "Generator ranges"). The classic families: topology entry → bottleneck (4–16 slots, 5–25 ms own work, 1–3 sequential
/// calls) → backend (8–32 slots, lognormal 1–5 ms, cv 0.5); a 10–20 s warm-up at 40–70 % of capacity,
/// then five disturbances of the family, each followed by 15–30 s of recovery at 55–85 %; SLO per family
/// (tight: 2–4 × the calm path time; others 120–250 ms), client deadline 4 × SLO (at least 500 ms).
/// Three disjoint sets: <see cref="Training"/> (the only scenarios training and baseline tuning see),
/// <see cref="Validation"/> (choosing the agent's weights) and <see cref="HeldOut(int)"/> (evaluation only).
/// The same seed gives the same scenario in any process.
/// </summary>
public static class ScenarioGenerator
{
    private const long TrainingSet = 0x7A1, ValidationSet = 0x7A2, HeldOutSet = 0x7A3;

    /// <summary>The <paramref name="index"/>th training scenario.</summary>
    public static Scenario Training(int index) => Generate(Seeds.Derive(TrainingSet, index), "train");

    /// <summary>The <paramref name="index"/>th validation scenario.</summary>
    public static Scenario Validation(int index) => Generate(Seeds.Derive(ValidationSet, index), "validation");

    /// <summary>The <paramref name="index"/>th held-out scenario (evaluation only).</summary>
    public static Scenario HeldOut(int index) => Generate(Seeds.Derive(HeldOutSet, index), "heldout");

    /// <summary>The <paramref name="index"/>th held-out scenario of <paramref name="family"/> (evaluation only; the benchmark takes each family in turn).</summary>
    public static Scenario HeldOut(int index, ScenarioFamily family) => Generate(Seeds.Derive(HeldOutSet, (long)family + 1, index), family, "heldout");

    /// <summary>A scenario from <paramref name="seed"/> (family drawn from it).</summary>
    public static Scenario Generate(int seed, string prefix = "generated")
    {
        var random = new Random(seed);
        var family = (ScenarioFamily)random.Next(Enum.GetValues<ScenarioFamily>().Length);
        return Generate(seed, family, prefix);
    }

    /// <summary>A scenario of <paramref name="family"/> from <paramref name="seed"/>.</summary>
    public static Scenario Generate(int seed, ScenarioFamily family, string prefix = "generated") => family switch
    {
        ScenarioFamily.RetryStorm => RetryStorm(seed, prefix),
        ScenarioFamily.SlowReplicas => SlowReplicas(seed, prefix),
        ScenarioFamily.MultiApi => MultiApi(seed, prefix),
        _ => Classic(seed, family, prefix),
    };

    private static Scenario Classic(int seed, ScenarioFamily family, string prefix)
    {
        var random = new Random(Seeds.Derive(seed, (long)family));
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        var bottleneckSlots = random.Next(4, 17);
        var backendSlots = random.Next(8, 33);
        var calls = random.Next(1, 4);
        var ownMs = Between(5, 25);
        var backendMs = Between(1, 5);
        var topology = new Topology("gateway", new Dictionary<string, CellModel>(StringComparer.Ordinal)
        {
            ["gateway"] = new(256, new Distribution(DistributionKind.Constant, 0.2), [new DownstreamCall("orders", 1)]),
            ["orders"] = new(bottleneckSlots, new Distribution(DistributionKind.Constant, ownMs), [new DownstreamCall("inventory", calls)]),
            ["inventory"] = new(backendSlots, new Distribution(DistributionKind.Lognormal, backendMs, 0.5), []),
        });
        var pathMs = 0.2 + ownMs + (calls * backendMs);
        var slo = family == ScenarioFamily.TightSlo ? Math.Round(pathMs * Between(2, 4)) : Math.Round(Between(120, 250));
        var phases = new List<ScenarioPhase> { Constant("warm-up", random.Next(10, 21), Between(40, 70)) };
        Fault Slots(double keep) => new("orders", FaultKind.SlotReduction, Slots: Math.Max(1, (int)Math.Round(bottleneckSlots * keep)));
        for (var i = 0; i < 5; i++)
        {
            var length = random.Next(15, 41);
            var rate = Between(55, 85);
            var kind = family == ScenarioFamily.TightSlo || family == ScenarioFamily.Mixed ? random.Next(6) : random.Next(3);
            phases.Add((family, kind) switch
            {
                (ScenarioFamily.CapacityShift, 0) => Constant("capacity-drop", random.Next(8, 26), Between(70, 95), Slots(Between(0.2, 0.5))),
                (ScenarioFamily.CapacityShift, 1) => Constant("capacity-halved", random.Next(8, 26), Between(60, 90), Slots(0.5)),
                (ScenarioFamily.CapacityShift, _) => new ScenarioPhase("capacity-drop-ramp", TimeSpan.FromSeconds(length), new RateSchedule(rate, Between(90, 130), Percent: true), [Slots(Between(0.3, 0.6))]),
                (ScenarioFamily.CombinedFaults, 0) => Constant("latency+overload", length, Between(110, 160), Latency(random, Between(0.1, 0.4), Between(3, 10))),
                (ScenarioFamily.CombinedFaults, 1) => Constant("errors+overload", length, Between(110, 160), new Fault("inventory", FaultKind.Errors, Fraction: Between(0.1, 0.4))),
                (ScenarioFamily.CombinedFaults, _) => Constant("capacity-loss+spike", length, Between(120, 200), Slots(0.5)),
                (ScenarioFamily.DownstreamLatency, _) => Constant("downstream-slow", length, Between(30, 60), new Fault("inventory", FaultKind.Latency, Fraction: Between(0.3, 1), AddedLatencyMs: Between(20, 120))),
                (_, 0) => Constant("latency", length, rate, Latency(random, Between(0.1, 0.4), Between(3, 12))),
                (_, 1) => Constant("errors", length, rate, new Fault("inventory", FaultKind.Errors, Fraction: Between(0.1, 0.4))),
                (_, 2) => Constant("outage", length, rate, new Fault("inventory", FaultKind.Outage)),
                (_, 3) => new ScenarioPhase("ramp", TimeSpan.FromSeconds(length), new RateSchedule(rate, Between(120, 200), Percent: true), []),
                (_, 4) => Constant("spike", length, Between(180, 300)),
                _ => Constant("capacity-loss", length, rate, Slots(0.5)),
            });
            phases.Add(Constant("recovery", random.Next(15, 31), Between(55, 85)));
        }

        return new Scenario
        {
            Name = $"{prefix}-{FamilyName(family)}-{seed}",
            Seed = seed,
            Slo = new ServiceLevel(slo, Math.Max(500, 4 * slo)),
            Topology = topology,
            CapacityRps = CapacityEstimate.EntryRps(topology),
            Phases = phases,
        };
    }

    private static Scenario RetryStorm(int seed, string prefix)
    {
        var random = new Random(Seeds.Derive(seed, (long)ScenarioFamily.RetryStorm));
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        var (topology, bottleneckSlots) = Chain(random, replicas: 1);
        var slo = Math.Round(Between(120, 250));
        var phases = new List<ScenarioPhase> { Constant("warm-up", random.Next(10, 21), Between(50, 70)) };
        for (var i = 0; i < 4; i++)
        {
            phases.Add(random.Next(2) == 0
                ? Constant("trigger-spike", random.Next(5, 16), Between(150, 250))
                : Constant("trigger-slowdown", random.Next(8, 21), Between(70, 90), new Fault("inventory", FaultKind.Latency, Fraction: Between(0.5, 1), LatencyMultiplier: Between(5, 12))));
            phases.Add(Constant("after-trigger", random.Next(20, 41), Between(80, 95)));
        }

        _ = bottleneckSlots;
        return Build(seed, prefix, ScenarioFamily.RetryStorm, topology, slo, Between(1.5, 2.5) * slo, phases) with
        {
            Clients = new ClientBehaviour(random.Next(2, 4), Between(20, 100)),
        };
    }

    private static Scenario SlowReplicas(int seed, string prefix)
    {
        var random = new Random(Seeds.Derive(seed, (long)ScenarioFamily.SlowReplicas));
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        var replicas = random.Next(3, 7);
        var (topology, _) = Chain(random, replicas);
        var pathMs = CapacityEstimate.HoldingMs(topology, topology.Entry, c => topology[c].ServiceTime.MeanMs);
        var slo = Math.Round(pathMs * Between(3, 6));
        var phases = new List<ScenarioPhase> { Constant("warm-up", random.Next(10, 21), Between(40, 60)) };
        for (var i = 0; i < 4; i++)
        {
            var slow = random.Next(1, Math.Min(2, replicas - 1) + 1);
            phases.Add(Constant("slow-replicas", random.Next(15, 41), Between(40, 70), new Fault("orders", FaultKind.Latency, Fraction: 1, LatencyMultiplier: Between(5, 20), Replicas: slow)));
            phases.Add(Constant("recovery", random.Next(15, 31), Between(50, 75)));
        }

        return Build(seed, prefix, ScenarioFamily.SlowReplicas, topology, slo, Math.Max(500, 4 * slo), phases);
    }

    private static Scenario MultiApi(int seed, string prefix)
    {
        var random = new Random(Seeds.Derive(seed, (long)ScenarioFamily.MultiApi));
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        var dbSlots = random.Next(6, 17);
        var dbMs = Between(3, 10);
        Dictionary<string, CellModel> cells = new(StringComparer.Ordinal)
        {
            ["checkout"] = new(256, new Distribution(DistributionKind.Constant, 0.2), [new DownstreamCall("db", 1)]),
            ["search"] = new(256, new Distribution(DistributionKind.Constant, 0.2), [new DownstreamCall("db", 2)]),
            ["reports"] = new(256, new Distribution(DistributionKind.Constant, 0.2), [new DownstreamCall("db", 4)]),
            ["db"] = new(dbSlots, new Distribution(DistributionKind.Lognormal, dbMs, 0.5), []),
        };
        var topology = new Topology("checkout", cells)
        {
            Apis = [new EntryApi("checkout", "checkout", 0.5), new EntryApi("search", "search", 0.35), new EntryApi("reports", "reports", 0.15)],
        };
        var slo = Math.Round(Between(100, 200));
        var phases = new List<ScenarioPhase> { Constant("warm-up", random.Next(10, 21), Between(40, 70)) };
        for (var i = 0; i < 4; i++)
        {
            var length = random.Next(15, 41);
            phases.Add(random.Next(3) switch
            {
                0 => Constant("reports-surge", length, Between(100, 160)) with { Mix = new Dictionary<string, double> { ["checkout"] = 0.35, ["search"] = 0.25, ["reports"] = Between(0.4, 0.6) } },
                1 => Constant("search-surge", length, Between(110, 170)) with { Mix = new Dictionary<string, double> { ["checkout"] = 0.3, ["search"] = Between(0.6, 0.8), ["reports"] = 0.05 } },
                _ => Constant("db-capacity-loss", length, Between(60, 85), new Fault("db", FaultKind.SlotReduction, Slots: Math.Max(1, dbSlots / 2))),
            });
            phases.Add(Constant("recovery", random.Next(15, 31), Between(55, 80)));
        }

        return Build(seed, prefix, ScenarioFamily.MultiApi, topology, slo, Math.Max(500, 4 * slo), phases);
    }

    // gateway → orders (the bottleneck: 2–16 slots per replica, 5–25 ms, 1–3 sequential calls) → inventory (8–32 slots, lognormal 1–5 ms).
    private static (Topology Topology, int BottleneckSlots) Chain(Random random, int replicas)
    {
        var bottleneckSlots = replicas > 1 ? random.Next(2, 7) : random.Next(4, 17);
        var backendSlots = random.Next(8, 33);
        var calls = random.Next(1, 4);
        var ownMs = 5 + (random.NextDouble() * 20);
        var backendMs = 1 + (random.NextDouble() * 4);
        var topology = new Topology("gateway", new Dictionary<string, CellModel>(StringComparer.Ordinal)
        {
            ["gateway"] = new(256, new Distribution(DistributionKind.Constant, 0.2), [new DownstreamCall("orders", 1)]),
            ["orders"] = new(bottleneckSlots, new Distribution(DistributionKind.Constant, ownMs), [new DownstreamCall("inventory", calls)], replicas),
            ["inventory"] = new(Math.Max(backendSlots, bottleneckSlots * replicas * 2), new Distribution(DistributionKind.Lognormal, backendMs, 0.5), []),
        });
        return (topology, bottleneckSlots);
    }

    private static Scenario Build(int seed, string prefix, ScenarioFamily family, Topology topology, double slo, double deadline, List<ScenarioPhase> phases) => new()
    {
        Name = $"{prefix}-{FamilyName(family)}-{seed}",
        Seed = seed,
        Slo = new ServiceLevel(slo, Math.Round(Math.Max(deadline, slo))),
        Topology = topology,
        CapacityRps = CapacityEstimate.EntryRps(topology),
        Phases = phases,
    };

    /// <summary>The family's name in scenario names and reports (kebab-case).</summary>
    public static string FamilyName(ScenarioFamily family) => family switch
    {
        ScenarioFamily.TightSlo => "tight-slo",
        ScenarioFamily.CapacityShift => "capacity-shift",
        ScenarioFamily.CombinedFaults => "combined-faults",
        ScenarioFamily.DownstreamLatency => "downstream-latency",
        ScenarioFamily.RetryStorm => "retry-storm",
        ScenarioFamily.SlowReplicas => "slow-replicas",
        ScenarioFamily.MultiApi => "multi-api",
        _ => "mixed",
    };

    private static Fault Latency(Random random, double fraction, double multiplier) =>
        new("inventory", FaultKind.Latency, Fraction: fraction, LatencyMultiplier: multiplier);

    private static ScenarioPhase Constant(string name, int seconds, double percent, params Fault[] faults) =>
        new(name, TimeSpan.FromSeconds(seconds), new RateSchedule(percent, percent, Percent: true), faults);
}
