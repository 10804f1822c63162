using BioDapr.Control.Controllers;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;
using BioDapr.Simulation.Evaluation;
using BioDapr.Simulation.Training;

namespace BioDapr.Simulation.Tests;

/// <summary>Fair baselines: equal budgets on training scenarios, defaults as the first candidate, a validated cache; the suite benchmark's pairing.</summary>
public sealed class TuningTests
{
    [Fact]
    public void EveryBaseline_GetsTheSameBudget_OnTrainingScenariosOnly_AndIsNeverWorseThanItsDefaultThere()
    {
        var settings = new TuningSettings { Population = 3, Generations = 2, TrainingScenarios = 2, Shorten = 0.15, Parallelism = 2 };
        var tuner = new BaselineTuner(settings);

        var set = tuner.TuneAll(_ => { }, TestContext.Current.CancellationToken);

        tuner.TrainingScenarios.Select(s => s.Name).ShouldAllBe(n => n.StartsWith("train-", StringComparison.Ordinal));
        set.Baselines.Select(b => b.Baseline).ShouldBe(Enum.GetValues<TunableBaseline>());
        set.Baselines.ShouldAllBe(b => b.Simulations == settings.Budget);
        set.Baselines.ShouldAllBe(b => b.Fitness >= b.DefaultFitness);
        new BaselineTuner(settings).Tune(TunableBaseline.Aimd, cancellationToken: TestContext.Current.CancellationToken).Genes.ShouldBe(set[TunableBaseline.Aimd].Genes, "seeded: the same settings give the same result");
    }

    [Fact]
    public void TheDefaultGenomes_DecodeToTheDefaultVariants()
    {
        var aimd = BaselineSpace.Decode(TunableBaseline.Aimd, BaselineSpace.Defaults(TunableBaseline.Aimd));
        var gradient = BaselineSpace.Decode(TunableBaseline.Gradient2, BaselineSpace.Defaults(TunableBaseline.Gradient2));
        var envoy = BaselineSpace.Decode(TunableBaseline.Envoy, BaselineSpace.Defaults(TunableBaseline.Envoy));
        var still = BaselineSpace.Decode(TunableBaseline.Static, BaselineSpace.Defaults(TunableBaseline.Static));

        (aimd["initialLimit"], aimd["minLimit"], aimd["maxLimit"], aimd["backoffRatio"], aimd["dropTimeoutMs"]).ShouldBe((20, 20, 200, 0.9, 5_000));
        (gradient["smoothing"], gradient["rttTolerance"], gradient["longWindow"], gradient["queueSize"]).ShouldBe((0.2, 1.5, 600, 4));
        (envoy["minConcurrency"], envoy["minRttIntervalSeconds"], envoy["bufferPercent"]).ShouldBe((3, 60, 25));
        (still["limit"], still["timeoutMs"], still["maxRetries"], still["retryBudgetPercent"], still["hedgeDelayMs"]).ShouldBe((PathwayHormones.DefaultConcurrencyLimit, PathwayHormones.DefaultTimeoutMs, PathwayHormones.DefaultMaxRetries, PathwayHormones.DefaultRetryBudgetPercent, 0));
        var controller = (AimdController)BaselineSpace.Create(TunableBaseline.Aimd, BaselineSpace.Defaults(TunableBaseline.Aimd), "aimd");
        controller.Initial("a→b").ShouldBe(PathwayHormones.Default with { ConcurrencyLimit = 20 });
    }

    [Fact]
    public void TheTuningFile_RoundTrips_AndABrokenOneIsAClearError()
    {
        var directory = Directory.CreateTempSubdirectory("tuning");
        var path = Path.Combine(directory.FullName, "tuned.json");
        var set = new TunedBaselineSet(new TuningSettings(), [.. Enum.GetValues<TunableBaseline>().Select(b => new TunedBaseline(b, BaselineSpace.Defaults(b), BaselineSpace.Decode(b, BaselineSpace.Defaults(b)), 0.5, 0.4, 10))]);

        set.Save(path);
        TunedBaselineSet.Load(path)[TunableBaseline.Envoy].Genes.ShouldBe(set[TunableBaseline.Envoy].Genes);

        File.WriteAllText(path, File.ReadAllText(path).Replace("\"Envoy\"", "\"Gradient2\"", StringComparison.Ordinal));
        Should.Throw<InvalidDataException>(() => TunedBaselineSet.Load(path)).Message.ShouldContain("no entry for Envoy");
        File.WriteAllText(path, "{ not json");
        Should.Throw<InvalidDataException>(() => TunedBaselineSet.Load(path)).Message.ShouldContain("re-tune with --retune");
        directory.Delete(recursive: true);
    }

    [Fact]
    public void SuiteBenchmark_PairsTheSameSeeds_PerScenarioFamilyAndPhase_AndResumesFromItsCache()
    {
        var directory = Directory.CreateTempSubdirectory("suite");
        var scenarios = SuiteBenchmark.Scenarios(Path.Combine(AppContext.BaseDirectory, "scenarios", "suite"), heldOutPerFamily: 0)
            .Where(s => s.Family is "tight-slo" or "multi-api")
            .Select(s => s with { Scenario = s.Scenario.Shortened(0.2) })
            .ToList();
        var tuned = new TunedBaselineSet(new TuningSettings(), [.. Enum.GetValues<TunableBaseline>().Select(b => new TunedBaseline(b, BaselineSpace.Defaults(b), BaselineSpace.Decode(b, BaselineSpace.Defaults(b)), 0, 0, 0))]);
        using var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, 8);
        var settings = new SuiteSettings { OutputDirectory = directory.FullName, Seeds = [1, 2, 3], Controllers = ["gradient2", "gradient2-tuned", "cortex"], Parallelism = 2 };
        var lines = new List<string>();

        var runs = new SuiteBenchmark(settings, model, tuned).Run(scenarios, lines.Add, TestContext.Current.CancellationToken);
        var again = new SuiteBenchmark(settings, model, tuned).Run(scenarios, lines.Add, TestContext.Current.CancellationToken);
        var paired = SuiteBenchmark.Paired(runs, scenarios, "cortex");
        var report = SuiteReport.Write(directory.FullName, scenarios, runs, paired, tuned, "test");

        runs.Count.ShouldBe(2 * 3 * 3);
        again.Select(r => r.Report.Efficiency).ShouldBe(runs.Select(r => r.Report.Efficiency));
        lines.ShouldContain(l => l.Contains("(cached)", StringComparison.Ordinal) && l.Contains("ETA", StringComparison.Ordinal));
        var same = paired.Single(p => p.Set == "suite" && p.Group == "all" && p.Baseline == "gradient2-tuned");
        same.Difference.Pairs.ShouldBe(3);
        paired.ShouldContain(p => p.Group == "suite-multi-api" && p.Phase.EndsWith("reports-surge", StringComparison.Ordinal));
        // gradient2 and gradient2-tuned with the default genome are the same controller: the paired difference is exactly 0.
        var twins = runs.Where(r => r.Report.Controller == "gradient2").Zip(runs.Where(r => r.Report.Controller == "gradient2-tuned"));
        twins.ShouldAllBe(t => t.First.Report.Efficiency == t.Second.Report.Efficiency);
        report.ShouldContain("### Targets");
        File.Exists(Path.Combine(directory.FullName, "paired.csv")).ShouldBeTrue();
        File.ReadAllLines(Path.Combine(directory.FullName, "results.csv")).Length.ShouldBe(1 + runs.Count);
        directory.Delete(recursive: true);
    }
}
