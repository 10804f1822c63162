using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Randomness;
using BioDapr.Simulation.Training;

namespace BioDapr.Simulation.Tests;

/// <summary>Reproducibility and statistics of the cortex benchmark: seeds, common random numbers, bootstrapping, paired intervals.</summary>
public sealed class RigourTests
{
    [Fact]
    public void DerivedSeeds_AreFixedNumbers_NotPerProcessHashes()
    {
        // Constants: a change of the derivation (or a per-process hash) breaks them.
        Seeds.Derive(7, 0, 1).ShouldBe(Seeds.Derive(7, 0, 1));
        Seeds.Derive(7, 0, 1).ShouldNotBe(Seeds.Derive(7, 1, 0));
        Seeds.Of(1, RandomSource.Arrivals).ShouldNotBe(Seeds.Of(1, RandomSource.ServiceTimes));
        Seeds.Derive(1, 2, 3).ShouldBe(610_773_012);
        Enumerable.Range(0, 1000).Select(i => Seeds.Derive(i)).ShouldAllBe(s => s >= 0);
    }

    [Fact]
    public void ControllersThatShedDifferently_SeeTheSameArrivals_WithOneSeed()
    {
        var scenario = ScenarioGenerator.Generate(5, ScenarioFamily.CombinedFaults);
        var open = new Simulator(scenario, StaticController.None, TimeSpan.FromSeconds(1), seed: 9).Run();
        var tight = new Simulator(scenario, new StaticController("tight", PathwayHormones.Default with { ConcurrencyLimit = 2, MaxRetries = 0 }), TimeSpan.FromSeconds(1), seed: 9).Run();
        var other = new Simulator(scenario, StaticController.None, TimeSpan.FromSeconds(1), seed: 10).Run();

        tight.Seconds.Select(s => s.Arrivals).ShouldBe(open.Seconds.Select(s => s.Arrivals), "arrivals come from their own stream");
        tight.Seconds.Sum(s => s.Goodput).ShouldNotBe(open.Seconds.Sum(s => s.Goodput));
        other.Seconds.Select(s => s.Arrivals).ShouldNotBe(open.Seconds.Select(s => s.Arrivals));
    }

    [Fact]
    public void Gae_AtACutOff_BootstrapsFromTheLastValue_InsteadOfTreatingItAsTerminal()
    {
        // One step, reward 1, V(s0) = 0, V(s1) = 10 (the state after the cut-off): A = 1 + γ·10 − 0.
        PpoTrainer.Advantages([1f], [0f, 10f], 0.9f, 0.9f).ShouldBe([10f]);
        PpoTrainer.Advantages([1f, 1f], [0f, 0f, 10f], 0.5f, 1f)[0].ShouldBe(1f + (0.5f * (1f + (0.5f * 10f))), 1e-5);
        Should.Throw<ArgumentException>(() => PpoTrainer.Advantages([1f], [0f], 0.9f, 0.9f)).Message.ShouldContain("bootstrap");
    }

    [Fact]
    public void PairedDifferences_HaveStudentTIntervals()
    {
        var d = PairedDifference.Of([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 1.0, 2.0]);
        d.Mean.ShouldBe(1.5);
        // differences 1, 1, 2, 2: sd = 0.57735, t(3) = 3.182, half-width 0.9186
        d.Low.ShouldBe(1.5 - 0.9186, 1e-3);
        d.High.ShouldBe(1.5 + 0.9186, 1e-3);
        d.Significant.ShouldBeTrue();
        PairedDifference.Of([1.0, 2.0], [2.0, 1.0]).Significant.ShouldBeFalse();
        PairedDifference.StudentT975(100).ShouldBe(1.984, 2e-3);
        Should.Throw<ArgumentException>(() => PairedDifference.Of([1.0], [1.0, 2.0]));
    }

    [Fact]
    public void TheThreeScenarioSets_AreDisjoint_AndEveryFamilyIsValid()
    {
        var training = Enumerable.Range(0, 50).Select(i => ScenarioGenerator.Training(i).Seed).ToHashSet();
        var validation = Enumerable.Range(0, 50).Select(i => ScenarioGenerator.Validation(i).Seed).ToHashSet();
        var heldOut = Enumerable.Range(0, 50).Select(i => ScenarioGenerator.HeldOut(i).Seed).ToHashSet();
        training.Overlaps(validation).ShouldBeFalse();
        training.Overlaps(heldOut).ShouldBeFalse();
        validation.Overlaps(heldOut).ShouldBeFalse();
        foreach (var family in Enum.GetValues<ScenarioFamily>())
        {
            var scenario = ScenarioGenerator.Generate(3, family);
            scenario.Name.ShouldContain(ScenarioGenerator.FamilyName(family));
            // Warm-up + 5 disturbances with recoveries; the storm, replica and multi-API families have 4.
            scenario.Phases.Count.ShouldBe(family is ScenarioFamily.RetryStorm or ScenarioFamily.SlowReplicas or ScenarioFamily.MultiApi ? 9 : 11);
            scenario.Slo.LatencyMs.ShouldBeGreaterThan(0);
            scenario.Topology.Cells.Values.ShouldAllBe(c => c.Slots > 0);
        }

        var tight = ScenarioGenerator.Generate(3, ScenarioFamily.TightSlo);
        tight.Slo.LatencyMs.ShouldBeLessThan(CapacityEstimate.HoldingMs(tight.Topology, tight.Topology.Entry, c => tight.Topology[c].ServiceTime.MeanMs) * 4.01);
    }
}
