using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Training;

namespace BioDapr.Simulation.Evaluation;

/// <summary>What the benchmark runs.</summary>
public sealed record BenchmarkSettings
{
    /// <summary>Simulation seeds per controller.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3, 4, 5];

    /// <summary>Where results go (runs/, tuning.json, summary.*, plots).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Ignore cached runs and tuning.</summary>
    public bool Fresh { get; init; }

    /// <summary>The static-policy search.</summary>
    public SearchSettings Search { get; init; } = new();

    /// <summary>Floors tried for the tuned AIMD and Gradient2.</summary>
    public IReadOnlyList<int> FloorGrid { get; init; } = [1, 2, 4, 6, 8, 12, 16, 20];

    /// <summary>The seed the floors are tuned on (kept apart from <see cref="Seeds"/>).</summary>
    public int TuningSeed { get; init; } = 1001;

    /// <summary>Runs in parallel.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Only these controllers (null: all).</summary>
    public IReadOnlyList<string>? Controllers { get; init; }

    /// <summary>Identifies the learning agent's weights (e.g. a hash of the policy file); part of the cache key of its runs.</summary>
    public string PolicyFingerprint { get; init; } = string.Empty;
}

/// <summary>The tuned baselines, cached per scenario.</summary>
/// <param name="ScenarioHash">Hash of the scenario they were tuned on.</param>
/// <param name="StaticBest">The GA's best static policy per pathway.</param>
/// <param name="StaticBestFitness">Its fitness on the tuning seeds.</param>
/// <param name="AimdFloor">The best AIMD floor.</param>
/// <param name="Gradient2Floor">The best Gradient2 floor.</param>
public sealed record TunedBaselines(string ScenarioHash, IReadOnlyDictionary<string, PathwayHormones> StaticBest, double StaticBestFitness, int AimdFloor, int Gradient2Floor);

/// <summary>One paired comparison: the subject minus <paramref name="Baseline"/> over one phase (or "overall").</summary>
/// <param name="Baseline">The baseline controller.</param>
/// <param name="Phase">The phase name, or <c>overall</c>.</param>
/// <param name="Difference">The paired difference of goodput efficiency with its 95 % interval.</param>
public sealed record PairedRow(string Baseline, string Phase, PairedDifference Difference);

/// <summary>Mean and standard deviation over seeds.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="Sd">The sample standard deviation (0 for one seed).</param>
public readonly record struct Stat(double Mean, double Sd)
{
    /// <summary>Of a set of values.</summary>
    public static Stat Of(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0)
        {
            return new Stat(double.NaN, 0);
        }

        var mean = list.Average();
        return new Stat(mean, list.Count < 2 ? 0 : Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1)));
    }
}

/// <summary>One controller's figures over the seeds.</summary>
/// <param name="Controller">Its name.</param>
/// <param name="Efficiency">Goodput efficiency.</param>
/// <param name="P99Ms">p99 latency.</param>
/// <param name="ViolatingShare">Share of SLO-violating windows.</param>
/// <param name="AmplificationP95">Retry amplification, p95.</param>
/// <param name="MaxRecoverySeconds">Longest recovery after a disturbance.</param>
/// <param name="Unrecovered">Disturbances not recovered from before the next phase ended, summed over seeds.</param>
/// <param name="PhaseEfficiency">Mean efficiency per phase (null where the bound is 0).</param>
/// <param name="PhaseRecoverySeconds">Mean recovery per disturbance phase.</param>
public sealed record ControllerSummary(
    string Controller,
    Stat Efficiency,
    Stat P99Ms,
    Stat ViolatingShare,
    Stat AmplificationP95,
    Stat MaxRecoverySeconds,
    int Unrecovered,
    IReadOnlyDictionary<string, double?> PhaseEfficiency,
    IReadOnlyDictionary<string, double?> PhaseRecoverySeconds);

/// <summary>
/// Runs every controller × seed on a scenario in the simulator, tunes the baselines that need tuning
/// (the GA's best static policy, AIMD's and Gradient2's floors) on separate seeds, and writes the
/// results: a table (returned), <c>summary.json</c>, <c>summary.csv</c>, <c>phases.csv</c>,
/// <c>timeline.csv</c> and a gnuplot script. Each run's report is cached under <c>runs/</c> with a key of
/// the scenario, the simulator and controller code (their assemblies' build ids) and, for the learning
/// controllers, the policy's fingerprint, so a stopped benchmark resumes where it was, a re-run is instant,
/// and a retrained policy or a code change is simulated again. The tuned baselines are cached per scenario
/// (<c>--fresh</c> searches again).
/// </summary>
public sealed class ControllerBenchmark(BenchmarkSettings settings, IPolicyModel policy)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>Every controller's name, in report order.</summary>
    public static IReadOnlyList<string> ControllerNames { get; } =
    [
        "none", "dapr-defaults", "dotnet-standard", "biodapr-defaults", "static-best",
        "aimd", "aimd-tuned", "gradient2", "gradient2-tuned", "envoy-adaptive", "cortex-agent", "cortex",
    ];

    /// <summary>Runs the benchmark; <paramref name="log"/> receives progress lines (with the time left).</summary>
    public IReadOnlyList<ControllerSummary> Run(Scenario scenario, string scenarioText, Action<string> log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(log);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(scenarioText)))[..16];
        Directory.CreateDirectory(Path.Combine(settings.OutputDirectory, "runs"));
        SloMs = scenario.Slo.LatencyMs;
        var tuned = Tune(scenario, hash, log, cancellationToken);
        var names = ControllerNames.Where(n => settings.Controllers is null || settings.Controllers.Contains(n)).ToList();
        var jobs = names.SelectMany(n => settings.Seeds.Select(s => (Name: n, Seed: s))).ToList();
        var code = string.Join('/', new[] { typeof(Simulator), typeof(PathwayHormones), typeof(Scenario), typeof(IPathwayController) }.Select(t => t.Assembly.ManifestModule.ModuleVersionId));
        string RunKey(string name) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{hash}|{code}|{(name.StartsWith("cortex", StringComparison.Ordinal) ? settings.PolicyFingerprint : string.Empty)}")))[..16];
        var reports = new RunReport[jobs.Count];
        var clock = Stopwatch.StartNew();
        var simulated = 0;
        var finished = 0;
        var gate = new object();
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellationToken }, i =>
        {
            var (name, seed) = jobs[i];
            var path = Path.Combine(settings.OutputDirectory, "runs", $"{name}-seed{seed}.json");
            RunReport? report = null;
            var key = RunKey(name);
            var cached = !settings.Fresh && RunCache.TryLoad(path, key, out report);
            if (!cached)
            {
                report = ScenarioRun.Evaluate(scenario, Create(name, tuned), seed);
                RunCache.Save(path, key, report!);
            }

            reports[i] = report!;
            lock (gate)
            {
                finished++;
                simulated += cached ? 0 : 1;
                var left = jobs.Count - finished;
                var eta = simulated == 0 ? TimeSpan.Zero : clock.Elapsed / simulated * left;
                log(string.Create(CultureInfo.InvariantCulture, $"[{finished,3}/{jobs.Count}] {name,-17} seed {seed}: efficiency {report!.Efficiency:F3}  p99 {report.P99Ms,5:F0} ms{(cached ? "  (cached)" : string.Empty)}  ETA {eta:m\\:ss}"));
            }
        });

        var summaries = names.Select(n => Summarize(n, reports.Where(r => r.Controller == n).ToList(), scenario)).ToList();
        BenchmarkFiles.Write(settings.OutputDirectory, scenario, tuned, summaries, reports, settings.Seeds[0]);
        PairedRows = Paired(reports, "cortex", scenario);
        BenchmarkFiles.WritePaired(settings.OutputDirectory, PairedRows);
        return summaries;
    }

    /// <summary>The cortex's paired differences against every baseline from the last <see cref="Run"/>.</summary>
    public IReadOnlyList<PairedRow> PairedRows { get; private set; } = [];

    /// <summary>The latency objective the learning controllers scale their observations by (the scenario's SLO).</summary>
    public double SloMs { get; set; } = 250;

    /// <summary>A fresh controller by benchmark name.</summary>
    public IPathwayController Create(string name, TunedBaselines tuned)
    {
        ArgumentNullException.ThrowIfNull(tuned);
        return name switch
        {
            "none" => StaticController.None,
            "dapr-defaults" => StaticController.DaprLike,
            "dotnet-standard" => StaticController.DotNetStandard,
            "biodapr-defaults" => new StaticController("biodapr-defaults", PathwayHormones.Default),
            "static-best" => new StaticController("static-best", p => tuned.StaticBest.TryGetValue(p, out var h) ? h : PathwayHormones.Default),
            "aimd" => new AimdController("aimd"),
            "aimd-tuned" => new AimdController("aimd-tuned") { MinLimit = tuned.AimdFloor },
            "gradient2" => new Gradient2Controller("gradient2"),
            "gradient2-tuned" => new Gradient2Controller("gradient2-tuned") { MinLimit = tuned.Gradient2Floor },
            "envoy-adaptive" => new EnvoyAdaptiveController("envoy-adaptive"),
            "cortex-agent" => new GuardedController(new LearningController(policy, "cortex-agent") { SloMs = SloMs }, new Gradient2Controller("gradient2-tuned") { MinLimit = tuned.Gradient2Floor }, new GuardrailSettings { FallbackPatience = int.MaxValue / 2 }),
            "cortex" => new GuardedController(new LearningController(policy, "cortex") { SloMs = SloMs }, new Gradient2Controller("gradient2-tuned") { MinLimit = tuned.Gradient2Floor }, new GuardrailSettings()),
            _ => throw new ArgumentException($"unknown controller '{name}' (known: {string.Join(", ", ControllerNames)})", nameof(name)),
        };
    }

    private TunedBaselines Tune(Scenario scenario, string hash, Action<string> log, CancellationToken cancellationToken)
    {
        var path = Path.Combine(settings.OutputDirectory, "tuning.json");
        if (!settings.Fresh && File.Exists(path))
        {
            var cached = JsonSerializer.Deserialize<TunedBaselines>(File.ReadAllText(path), Json);
            if (cached?.ScenarioHash == hash)
            {
                log($"tuned baselines: cached in {path}");
                return cached;
            }
        }

        var clock = Stopwatch.StartNew();
        var search = new StaticPolicySearch(settings.Search with { Parallelism = settings.Parallelism });
        var result = search.Search(scenario, (generation, best) =>
        {
            var eta = clock.Elapsed / generation * (settings.Search.Generations - generation);
            log(string.Create(CultureInfo.InvariantCulture, $"static-policy search: generation {generation}/{settings.Search.Generations}, best fitness {best:F3}, ETA {eta:m\\:ss}"));
        }, cancellationToken);
        int BestFloor(Func<int, IPathwayController> make) => settings.FloorGrid
            .AsParallel().AsOrdered().WithDegreeOfParallelism(Math.Max(1, settings.Parallelism))
            .Select(floor => (floor, ScenarioRun.Evaluate(scenario, make(floor), settings.TuningSeed).Efficiency))
            .ToList()
            .MaxBy(x => x.Efficiency).floor;
        var aimd = BestFloor(f => new AimdController { MinLimit = f });
        var gradient = BestFloor(f => new Gradient2Controller { MinLimit = f });
        log($"tuned baselines: GA fitness {result.Fitness:F3} after {result.Evaluations} simulations; AIMD floor {aimd}, Gradient2 floor {gradient}");
        var tuned = new TunedBaselines(hash, result.Hormones, result.Fitness, aimd, gradient);
        File.WriteAllText(path, JsonSerializer.Serialize(tuned, Json));
        return tuned;
    }

    /// <summary>
    /// Paired differences (<paramref name="subject"/> − baseline, per seed: the runs share arrivals and
    /// service times) with 95 % intervals, overall and per phase, against every other controller run.
    /// </summary>
    public static IReadOnlyList<PairedRow> Paired(IReadOnlyList<RunReport> reports, string subject, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(scenario);
        var mine = reports.Where(r => r.Controller == subject).ToDictionary(r => r.Seed);
        if (mine.Count == 0)
        {
            return [];
        }

        var rows = new List<PairedRow>();
        foreach (var baseline in reports.Where(r => r.Controller != subject).GroupBy(r => r.Controller))
        {
            var pairs = baseline.Where(r => mine.ContainsKey(r.Seed)).OrderBy(r => r.Seed).ToList();
            if (pairs.Count == 0)
            {
                continue;
            }

            var a = pairs.Select(r => mine[r.Seed]).ToList();
            rows.Add(new PairedRow(baseline.Key, "overall", PairedDifference.Of(a.Select(r => r.Efficiency).ToList(), pairs.Select(r => r.Efficiency).ToList())));
            for (var p = 0; p < scenario.Phases.Count; p++)
            {
                var phase = p;
                var x = a.Select(r => r.Phases[phase].Efficiency ?? double.NaN).ToList();
                var y = pairs.Select(r => r.Phases[phase].Efficiency ?? double.NaN).ToList();
                rows.Add(new PairedRow(baseline.Key, scenario.Phases[p].Name, PairedDifference.Of(x, y)));
            }
        }

        return rows;
    }

    /// <summary>One controller's figures over its runs (means and deviations over seeds, per phase).</summary>
    public static ControllerSummary Summarize(string name, IReadOnlyList<RunReport> runs, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(scenario);
        var phaseEfficiency = new Dictionary<string, double?>(StringComparer.Ordinal);
        var phaseRecovery = new Dictionary<string, double?>(StringComparer.Ordinal);
        for (var p = 0; p < scenario.Phases.Count; p++)
        {
            var key = scenario.Phases[p].Name;
            var efficiencies = runs.Select(r => r.Phases[p].Efficiency).Where(e => e is not null).Select(e => e!.Value).ToList();
            var recoveries = runs.Select(r => r.Phases[p].RecoverySeconds).Where(e => e is not null).Select(e => e!.Value).ToList();
            phaseEfficiency[key] = efficiencies.Count == 0 ? null : efficiencies.Average();
            phaseRecovery[key] = recoveries.Count == 0 ? null : recoveries.Average();
        }

        return new ControllerSummary(
            name,
            Stat.Of(runs.Select(r => r.Efficiency)),
            Stat.Of(runs.Select(r => r.P99Ms)),
            Stat.Of(runs.Select(r => r.ViolatingShare)),
            Stat.Of(runs.Select(r => r.AmplificationP95)),
            Stat.Of(runs.Select(r => r.MaxRecoverySeconds ?? 0)),
            runs.Sum(r => r.Unrecovered),
            phaseEfficiency,
            phaseRecovery);
    }
}
