using System.Globalization;
using BioDapr.Control.Learning;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;
using BioDapr.Simulation.Training;

namespace BioDapr.Lab;

/// <summary>
/// <c>bench</c>: every table of issue 15 from one command: the fixed suite and the held-out generated
/// set, every controller (tuned and default), paired differences with CIs per scenario, family and
/// phase, the targets, plots. <c>--scenario file</c> runs the older single-scenario benchmark instead.
/// </summary>
internal static class BenchCommand
{
    public const string DefaultTuning = "docs/benchmarks/cortex/tuned-baselines.json";

    public static int Run(string[] args)
    {
        if (args.Contains("--scenario"))
        {
            return ScenarioBenchCommand.Run(args);
        }

        Options options;
        try
        {
            options = new Options(args, "suite", "heldout", "heldout-seeds", "seeds", "out", "fresh", "policy", "controllers", "tuning", "retune", "population", "generations", "training", "shorten", "curves", "threads");
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 2;
        }

        var suite = options.Text("suite", "scenarios/suite");
        var output = options.Text("out", "docs/benchmarks/cortex-suite");
        var policyPath = options.Text("policy", TrainCommand.DefaultPolicy);
        var tuningPath = options.Text("tuning", DefaultTuning);
        IPolicyModel policy;
        IReadOnlyList<EvaluationScenario> scenarios;
        int seeds, heldOutSeeds, threads;
        TuningSettings tuning;
        try
        {
            seeds = options.Integer("seeds", 20, 1, 1_000);
            heldOutSeeds = options.Integer("heldout-seeds", seeds, 1, 1_000);
            threads = options.Integer("threads", Environment.ProcessorCount, 1, 256);
            tuning = new TuningSettings
            {
                Population = options.Integer("population", 10, 2, 10_000),
                Generations = options.Integer("generations", 5, 1, 10_000),
                TrainingScenarios = options.Integer("training", 6, 1, 10_000),
                Shorten = options.Number("shorten", 1, 0.05, 1),
                Parallelism = threads,
            };
            scenarios = SuiteBenchmark.Scenarios(suite, options.Integer("heldout", 1, 0, 100));
            policy = PolicyFile.Load(policyPath).Model;
        }
        catch (Exception ex) when (ex is ScenarioFormatException or InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 2;
        }

        var controllers = options.Text("controllers", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = controllers.Except(SuiteBenchmark.AllControllers).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"bench: unknown controller(s) {string.Join(", ", unknown)} (known: {string.Join(", ", SuiteBenchmark.AllControllers)})");
            return 2;
        }

        using var stop = Options.StopOnCtrlC("stopping; finished runs are kept, run the same command again to resume");
        TunedBaselineSet tuned;
        try
        {
            tuned = LoadOrTune(tuningPath, options.Flag("retune"), tuning, stop.Token);
        }
        catch (InvalidDataException ex)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }

        var settings = new SuiteSettings
        {
            OutputDirectory = output,
            Seeds = [.. Enumerable.Range(1, seeds)],
            HeldOutSeeds = [.. Enumerable.Range(1, heldOutSeeds)],
            Fresh = options.Flag("fresh"),
            Controllers = controllers.Length == 0 ? null : controllers,
            PolicyFingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(policyPath))),
            Parallelism = threads,
        };
        Console.WriteLine($"cortex benchmark: {scenarios.Count(s => s.Set == "suite")} suite scenarios ({suite}) + {scenarios.Count(s => s.Set == "heldout")} held-out, {seeds} seeds ({heldOutSeeds} on held-out), policy {policyPath}, tuning {tuningPath}, results in {output}");
        var benchmark = new SuiteBenchmark(settings, policy, tuned);
        IReadOnlyList<SuiteRun> runs;
        try
        {
            runs = benchmark.Run(scenarios, Console.WriteLine, stop.Token);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }

        var paired = SuiteBenchmark.Paired(runs, scenarios, SuiteReport.Subject);
        var command = "./biodapr cortex bench" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args));
        var report = SuiteReport.Write(output, scenarios, runs, paired, tuned, command);
        Console.WriteLine();
        Console.WriteLine(report);
        foreach (var plot in SuitePlots.Write(output, scenarios, runs, options.Text("curves", "docs/benchmarks/cortex/training")))
        {
            Console.WriteLine($"plot: {plot}");
        }

        return 0;
    }

    /// <summary>The committed tuning, or a new one when asked (<c>--retune</c>) or when none exists.</summary>
    internal static TunedBaselineSet LoadOrTune(string path, bool retune, TuningSettings settings, CancellationToken cancellationToken)
    {
        if (!retune && File.Exists(path))
        {
            var cached = TunedBaselineSet.Load(path);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tuned baselines: {path} ({cached.Settings.Budget} simulations each on {cached.Settings.TrainingScenarios} training scenarios; --retune searches again)"));
            return cached;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tuning every baseline: {settings.Population} candidates x {settings.Generations} generations x {settings.TrainingScenarios} training scenarios = {settings.Budget} simulations each, seed {settings.Seed}"));
        var tuned = new BaselineTuner(settings).TuneAll(Console.WriteLine, cancellationToken);
        tuned.Save(path);
        Console.WriteLine($"wrote {path}");
        return tuned;
    }
}
