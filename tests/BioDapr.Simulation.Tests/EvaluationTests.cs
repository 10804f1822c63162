using BioDapr.Control.Controllers;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;
using BioDapr.Simulation.Training;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Simulation.Tests;

public sealed class EvaluationTests : IDisposable
{
    private static readonly Scenario Reference = ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml"));
    private readonly string _directory = Directory.CreateTempSubdirectory("biodapr-eval-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TheOracleBound_IsTheBottleneckCapacityUnderEachPhasesFaults()
    {
        double Bound(string phase) => OracleBound.CapacityRps(Reference, Reference.Phases.Single(p => p.Name == phase));

        Bound("steady").ShouldBe(8 / 0.020, 1e-6);
        Bound("latency-spike").ShouldBe(8 / (0.015 + (2 * 0.0025 * (0.7 + (0.3 * 10)))), 1e-6);
        Bound("error-burst").ShouldBe(400, 1e-6);
        Bound("inventory-outage").ShouldBe(0);
        Bound("capacity-loss").ShouldBe(200, 1e-6);
        OracleBound.ForSecond(Reference, new SimulatedSecond { Second = 0, Arrivals = 150 }).ShouldBe(150);
        OracleBound.ForSecond(Reference, new SimulatedSecond { Second = 0, Arrivals = 450 }).ShouldBe(400, 1e-6);
    }

    [Fact]
    public void TheReport_SeparatesAnAdaptiveLimitFromNoLimit_OnTheShortenedReference()
    {
        var scenario = Reference.Shortened(0.3);

        var none = ScenarioRun.Evaluate(scenario, StaticController.None, 3);
        var aimd = ScenarioRun.Evaluate(scenario, new AimdController(), 3);

        aimd.Efficiency.ShouldBeGreaterThan(none.Efficiency + 0.2);
        aimd.Phases.Single(p => p.Phase == "inventory-outage").Efficiency.ShouldBeNull("the bound is 0 during a full outage");
        aimd.Phases.Single(p => p.Phase == "overload-spike").Disturbance.ShouldBeTrue();
        aimd.Phases.Single(p => p.Phase == "steady").RecoverySeconds.ShouldBeNull();
        aimd.Timeline.Count.ShouldBe((int)scenario.Duration.TotalSeconds);
        aimd.Timeline.Select(t => t.Limits["gateway→orders"]).Distinct().Count().ShouldBeGreaterThan(1, "AIMD moved the limit");
        aimd.AmplificationP95.ShouldBeGreaterThanOrEqualTo(1);
        (aimd.Goodput / aimd.Oracle).ShouldBe(aimd.Efficiency, 1e-9);
    }

    [Fact]
    public void ALiveRun_IsEvaluatedLikeASimulatedOne_WithLimitsFromTheAuditAndAmplificationFromTheVitals()
    {
        var scenario = Reference.Shortened(0.1);
        var start = new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
        var length = (int)scenario.Duration.TotalSeconds;
        // Every request good within 20 ms, except second 35 (in the error burst), where half failed.
        var seconds = Enumerable.Range(0, length)
            .Select(t => t == 35 ? new LiveSecond(t, 40, 20, 0, 20, 0, [.. Enumerable.Repeat(20.0, 40)]) : new LiveSecond(t, 40, 40, 0, 0, 0, [.. Enumerable.Repeat(20.0, 40)]))
            .Append(new LiveSecond(length + 3, 40, 40, 0, 0, 0, [])) // after the end: ignored
            .ToList();
        VitalsWindow Window(int second, long calls, long attempts) => new()
        {
            Cell = "orders",
            Name = "inventory",
            Kind = VitalsKind.Pathway,
            Start = start.AddSeconds(second - 1),
            End = start.AddSeconds(second),
            Calls = calls,
            Successes = calls,
            Attempts = attempts,
        };
        var windows = Enumerable.Range(1, length).Select(t => Window(t, 80, t == 21 ? 160 : 80)).ToList();
        windows.Add(Window(5, 80, 80) with { Kind = VitalsKind.Endpoint, Attempts = 800 });
        var initial = new Dictionary<string, PathwayHormones>(StringComparer.Ordinal)
        {
            ["gateway→orders"] = PathwayHormones.Default,
            ["orders→inventory"] = PathwayHormones.Default with { ConcurrencyLimit = 32 },
        };
        var changes = new List<BioDapr.Control.Guardrails.HormoneChange>
        {
            new("orders→inventory", "concurrencyLimit", "32", "48", "agent", start.AddSeconds(10.5)),
            new("orders→inventory", "timeoutMs", "1000", "600", "agent", start.AddSeconds(10.5)),
            new("orders→elsewhere", "concurrencyLimit", "1", "2", "agent", start.AddSeconds(3)),
        };

        var report = LiveRunEvaluator.Evaluate(scenario, seconds, start, windows, changes, initial, "cortex", 1);

        report.Timeline.Count.ShouldBe(length);
        report.Goodput.ShouldBe((40L * length) - 20);
        report.Timeline[5].Limits["orders→inventory"].ShouldBe(32);
        report.Timeline[12].Limits["orders→inventory"].ShouldBe(48);
        report.Timeline[12].TimeoutsMs["orders→inventory"].ShouldBe(600);
        report.Timeline[12].Limits["gateway→orders"].ShouldBe(PathwayHormones.Default.ConcurrencyLimit);
        report.AmplificationP95.ShouldBe(1, "one window in " + length + " had 2x attempts: above the 95th percentile");
        report.P99Ms.ShouldBe(20);
        var burst = report.Phases.Single(p => p.Phase == "error-burst");
        burst.Goodput.ShouldBe((40L * 6) - 20);
        report.ViolatingShare.ShouldBe(1.0 / length, 1e-9);
    }

    [Fact]
    public void TheStaticSearch_RunStepByStep_ReachesTheSameResultAsInOneGo()
    {
        // The evolution workflow runs these steps, one evaluation per activity, with its state round-tripped
        // through JSON between generations (continue-as-new): it must land on the same policy.
        var scenario = Reference.Shortened(0.05);
        var settings = new SearchSettings { Seed = 3, Population = 4, Generations = 3, FitnessSeeds = [5], Parallelism = 2 };
        var search = new StaticPolicySearch(settings);
        var whole = search.Search(scenario, cancellationToken: TestContext.Current.CancellationToken);

        var pathways = ScenarioRun.PathwaysOf(scenario.Topology);
        var population = search.InitialPopulation(pathways.Count);
        double[] best = population[0];
        var bestFitness = double.NegativeInfinity;
        for (var generation = 0; generation < settings.Generations; generation++)
        {
            var fitness = population.Select(genome => search.Fitness(scenario, pathways, genome)).ToArray();
            (best, bestFitness) = StaticPolicySearch.Best(population, fitness, best, bestFitness);
            population = System.Text.Json.JsonSerializer.Deserialize<double[][]>(System.Text.Json.JsonSerializer.Serialize(search.NextGeneration(population, fitness, generation)))!;
        }

        bestFitness.ShouldBe(whole.Fitness);
        StaticPolicySearch.DecodeAll(pathways, best).OrderBy(p => p.Key, StringComparer.Ordinal).ToList().ShouldBe([.. whole.Hormones.OrderBy(p => p.Key, StringComparer.Ordinal)]);
        StaticPolicySearch.GenerationSeed(3, 0).ShouldNotBe(StaticPolicySearch.GenerationSeed(3, 1));
        StaticPolicySearch.GenerationSeed(3, 0).ShouldNotBe(StaticPolicySearch.GenerationSeed(4, 0));
    }

    [Fact]
    public void TheStaticSearch_IsDeterministic_AndNeverWorseThanTheDefaultsItStartsFrom()
    {
        var scenario = Reference.Shortened(0.1);
        var settings = new SearchSettings { Population = 6, Generations = 2, FitnessSeeds = [5] };

        var first = new StaticPolicySearch(settings).Search(scenario, cancellationToken: TestContext.Current.CancellationToken);
        var second = new StaticPolicySearch(settings).Search(scenario, cancellationToken: TestContext.Current.CancellationToken);
        var defaults = ScenarioRun.Evaluate(scenario, StaticController.Defaults, 5);

        first.Fitness.ShouldBe(second.Fitness);
        first.Hormones.Keys.ShouldBe(["gateway→orders", "orders→inventory"], ignoreOrder: true);
        first.Fitness.ShouldBeGreaterThanOrEqualTo(defaults.Efficiency - Math.Max(0, defaults.AmplificationP95 - 1.2) - 1e-9);
        first.Evaluations.ShouldBe(12);
        first.Hormones.Values.ShouldAllBe(h => h.Validate().Count == 0);
    }

    [Fact]
    public void GenesDecodeWithinTheHormoneBounds_AndEncodeBack()
    {
        var encoded = StaticPolicySearch.Encode(PathwayHormones.Default);
        var decoded = StaticPolicySearch.Decode(encoded);

        decoded.ConcurrencyLimit.ShouldBe(PathwayHormones.DefaultConcurrencyLimit);
        Math.Abs(decoded.TimeoutMs - PathwayHormones.DefaultTimeoutMs).ShouldBeLessThanOrEqualTo(1);
        decoded.MaxRetries.ShouldBe(PathwayHormones.DefaultMaxRetries);
        StaticPolicySearch.Decode([0, 0, 0, 0, 0, 0, 0]).Validate().ShouldBeEmpty();
        StaticPolicySearch.Decode([1, 1, 1, 1, 1, 1, 1]).Validate().ShouldBeEmpty();
    }

    [Fact]
    public void GeneratedScenarios_AreValid_AndReplayFromTheirSeed()
    {
        var a = ScenarioGenerator.Generate(42);
        var b = ScenarioGenerator.Generate(42);

        a.Phases.Select(p => (p.Name, p.Duration, p.Rate, p.Faults.Count)).ShouldBe(b.Phases.Select(p => (p.Name, p.Duration, p.Rate, p.Faults.Count)));
        a.Phases.Count.ShouldBeOneOf(9, 11);
        a.CapacityRps.ShouldBe(CapacityEstimate.EntryRps(a.Topology));
        ScenarioRun.Evaluate(a, new AimdController(), 1).Efficiency.ShouldBeInRange(0.1, 1.5);
    }

    [Fact]
    public void Training_WritesWeightsAndACheckpoint_ResumesFromIt_AndReplaysFromTheSeed()
    {
        var settings = new PpoTrainingSettings { Iterations = 2, EpisodesPerIteration = 2, Hidden = 8, Seed = 3, ValidateEvery = 1, ValidationScenarios = 1 };
        var output = Path.Combine(_directory, "policy.json");
        var checkpoint = output + ".checkpoint";
        var progress = new List<TrainingProgress>();

        var once = new PpoTrainer(settings with { Iterations = 1 }).Train(output, checkpoint, progress.Add, TestContext.Current.CancellationToken);
        var resumed = new PpoTrainer(settings).Train(output, checkpoint, progress.Add, TestContext.Current.CancellationToken);
        var replay = new PpoTrainer(settings).Train(Path.Combine(_directory, "replay.json"), Path.Combine(_directory, "replay.checkpoint"), cancellationToken: TestContext.Current.CancellationToken);

        progress.Select(p => p.Iteration).ShouldBe([1, 2], "the second run resumed at iteration 2");
        progress.ShouldAllBe(p => p.MeanEfficiency > 0 && double.IsFinite(p.Losses.Total));
        PolicyFile.Load(checkpoint).Provenance.Iterations.ShouldBe(2);
        progress.ShouldContain(p => p.Validation != null);
        PolicyFile.Load(output).Provenance.ChosenIteration.ShouldBeInRange(1, 2);
        // Resuming restarts Adam's moments, so only the fresh replay is compared with itself.
        var again = new PpoTrainer(settings).Train(Path.Combine(_directory, "again.json"), Path.Combine(_directory, "again.checkpoint"), cancellationToken: TestContext.Current.CancellationToken);
        File.ReadAllText(Path.Combine(_directory, "again.json")).Split("\"provenance\"")[0].ShouldBe(File.ReadAllText(Path.Combine(_directory, "replay.json")).Split("\"provenance\"")[0], "the same seed gives the same weights");
        again.ValidationEfficiency.ShouldBe(replay.ValidationEfficiency);
        resumed.Curve.Count.ShouldBe(1);
        foreach (var result in new[] { once, resumed, replay, again })
        {
            result.Model.Dispose();
        }
    }

    [Fact]
    public void TheBenchmark_WritesItsFiles_AndResumesFromCachedRuns()
    {
        var scenarioPath = Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml");
        var scenario = Reference.Shortened(0.1);
        using var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, 8);
        model.Initialize(new Random(1));
        var settings = new BenchmarkSettings
        {
            OutputDirectory = _directory,
            Seeds = [1, 2],
            Controllers = ["none", "aimd-tuned", "cortex"],
            Search = new SearchSettings { Population = 4, Generations = 1 },
            FloorGrid = [4, 20],
        };
        var log = new List<string>();

        var summaries = new ControllerBenchmark(settings, model).Run(scenario, File.ReadAllText(scenarioPath) + "#short", log.Add, TestContext.Current.CancellationToken);
        var again = new ControllerBenchmark(settings, model).Run(scenario, File.ReadAllText(scenarioPath) + "#short", log.Add, TestContext.Current.CancellationToken);

        summaries.Select(s => s.Controller).ShouldBe(["none", "aimd-tuned", "cortex"]);
        again.Select(s => s.Efficiency).ShouldBe(summaries.Select(s => s.Efficiency));
        log.Count(l => l.Contains("(cached)", StringComparison.Ordinal)).ShouldBe(6);
        log.ShouldContain(l => l.Contains("ETA", StringComparison.Ordinal));
        foreach (var file in new[] { "summary.json", "summary.csv", "phases.csv", "timeline.csv", "plots.gp", "tuning.json", "paired.csv" })
        {
            File.Exists(Path.Combine(_directory, file)).ShouldBeTrue(file);
        }

        File.ReadAllLines(Path.Combine(_directory, "summary.csv")).Length.ShouldBe(4);
        BenchmarkFiles.Table(summaries).ShouldContain("| aimd-tuned |");
        BenchmarkFiles.PhaseTable(summaries, scenario).ShouldContain("n/a");
        var benchmark = new ControllerBenchmark(settings, model);
        benchmark.Run(scenario, File.ReadAllText(scenarioPath) + "#short", log.Add, TestContext.Current.CancellationToken);
        benchmark.PairedRows.Select(r => r.Baseline).Distinct().ShouldBe(["none", "aimd-tuned"]);
        benchmark.PairedRows.ShouldAllBe(r => r.Difference.Pairs <= 2);
        BenchmarkFiles.PairedTable(benchmark.PairedRows, scenario).ShouldContain("| none | ");
    }
}
