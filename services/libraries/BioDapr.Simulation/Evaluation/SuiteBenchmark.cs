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

/// <summary>What the suite benchmark evaluates.</summary>
public sealed record SuiteSettings
{
    /// <summary>Where results go (runs/, results.csv, phases.csv, paired.csv, report.md, plots).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Evaluation seeds per controller and scenario (the issue asks for ≥ 20).</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [.. Enumerable.Range(1, 20)];

    /// <summary>Evaluation seeds on the held-out set (null: <see cref="Seeds"/>), when time allows fewer there.</summary>
    public IReadOnlyList<int>? HeldOutSeeds { get; init; }

    /// <summary>Held-out generated scenarios per family (<see cref="ScenarioGenerator.HeldOut(int, ScenarioFamily)"/>).</summary>
    public int HeldOutPerFamily { get; init; } = 1;

    /// <summary>Only these controllers (null: <see cref="SuiteBenchmark.DefaultControllers"/>).</summary>
    public IReadOnlyList<string>? Controllers { get; init; }

    /// <summary>Identifies the learning agent's weights; part of the cache key of the cortex's runs.</summary>
    public string PolicyFingerprint { get; init; } = string.Empty;

    /// <summary>Simulate again even where a cached run exists.</summary>
    public bool Fresh { get; init; }

    /// <summary>Runs in parallel.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>One evaluation scenario: its set (suite or held-out), family and content hash.</summary>
/// <param name="Set"><c>suite</c> or <c>heldout</c>.</param>
/// <param name="Family">The family name (kebab-case).</param>
/// <param name="Scenario">The scenario.</param>
/// <param name="Hash">Hash of its definition (cache key).</param>
public sealed record EvaluationScenario(string Set, string Family, Scenario Scenario, string Hash)
{
    /// <summary>Whether the scenario changes over time beyond a calm warm-up (every suite family is: they all have disturbances).</summary>
    public bool NonStationary => Scenario.Phases.Any(p => p.Faults.Count > 0 || p.Mix is not null || Math.Abs(p.Rate.To - p.Rate.From) > 1e-9)
        || Scenario.Phases.Select(p => p.Rate.From).Distinct().Count() > 2;
}

/// <summary>One run's row (a controller on a scenario with a seed).</summary>
public sealed record SuiteRun(string Set, string Family, string Scenario, RunReport Report);

/// <summary>A paired comparison on a group of scenarios (per seed: the mean over the group's scenarios), overall or for one phase.</summary>
/// <param name="Set"><c>suite</c>, <c>heldout</c> or <c>all</c>.</param>
/// <param name="Group">A family, a scenario name, or <c>all</c>.</param>
/// <param name="Baseline">The baseline.</param>
/// <param name="Phase"><c>overall</c> or a phase name (single scenarios only).</param>
/// <param name="Difference">Subject − baseline, efficiency points, with the 95 % interval over seeds.</param>
/// <param name="Relative">Subject ÷ baseline − 1 (means over seeds).</param>
public sealed record SuitePaired(string Set, string Group, string Baseline, string Phase, PairedDifference Difference, double Relative);

/// <summary>
/// The benchmark behind <c>./biodapr cortex bench</c>: every controller (tuned and default variants,
/// the tuned ones from <see cref="TunedBaselineSet"/>, tuned on training scenarios only) on the fixed
/// suite (<c>scenarios/suite/*.yaml</c>) and the held-out generated set, with the same seeds for every
/// controller (common random numbers), paired differences with 95 % intervals per scenario, family and
/// phase, and the issue's targets checked. Runs are cached per scenario, controller and seed, keyed by
/// the scenario, the code, the policy and the tuning, so a stopped run resumes.
/// </summary>
public sealed class SuiteBenchmark(SuiteSettings settings, IPolicyModel policy, TunedBaselineSet tuned)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The controllers run by default: each baseline's default and tuned variant, and the cortex.</summary>
    public static IReadOnlyList<string> DefaultControllers { get; } =
    [
        "biodapr-defaults", "static-tuned", "aimd", "aimd-tuned", "gradient2", "gradient2-tuned", "envoy-adaptive", "envoy-tuned", "cortex",
    ];

    /// <summary>Every controller the benchmark knows.</summary>
    public static IReadOnlyList<string> AllControllers { get; } = [.. DefaultControllers, "none", "cortex-agent", "cortex-multi"];

    /// <summary>The evaluation scenarios: the suite's files (sorted) and <paramref name="heldOutPerFamily"/> held-out scenarios of each family.</summary>
    public static IReadOnlyList<EvaluationScenario> Scenarios(string suiteDirectory, int heldOutPerFamily)
    {
        var list = new List<EvaluationScenario>();
        foreach (var path in Directory.GetFiles(suiteDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(path);
            var scenario = ScenarioParser.Parse(text, path);
            list.Add(new EvaluationScenario("suite", Path.GetFileNameWithoutExtension(path), scenario, Hash(text)));
        }

        foreach (var family in Enum.GetValues<ScenarioFamily>())
        {
            for (var i = 0; i < heldOutPerFamily; i++)
            {
                var scenario = ScenarioGenerator.HeldOut(i, family);
                list.Add(new EvaluationScenario("heldout", ScenarioGenerator.FamilyName(family), scenario, Hash(JsonSerializer.Serialize(scenario, Json))));
            }
        }

        return list;
    }

    /// <summary>
    /// A fresh controller by name (the tuned ones from the tuning file). The cortex's guard shadows the tuned
    /// Gradient2 and falls back to it on the goodput estimate; <c>cortex-agent</c> never falls back;
    /// <c>cortex-multi</c> shadows the tuned Gradient2, AIMD and Envoy and falls back to the best-estimated
    /// (measured worse than the Gradient2 guard: docs/benchmarks.md).
    /// </summary>
    public IPathwayController Create(string name, double sloMs) => name switch
    {
        "none" => StaticController.None,
        "biodapr-defaults" => new StaticController("biodapr-defaults", PathwayHormones.Default),
        "static-tuned" => BaselineSpace.Create(TunableBaseline.Static, tuned[TunableBaseline.Static].Genes, name),
        "aimd" => new AimdController("aimd"),
        "aimd-tuned" => BaselineSpace.Create(TunableBaseline.Aimd, tuned[TunableBaseline.Aimd].Genes, name),
        "gradient2" => new Gradient2Controller("gradient2"),
        "gradient2-tuned" => BaselineSpace.Create(TunableBaseline.Gradient2, tuned[TunableBaseline.Gradient2].Genes, name),
        "envoy-adaptive" => new EnvoyAdaptiveController("envoy-adaptive"),
        "envoy-tuned" => BaselineSpace.Create(TunableBaseline.Envoy, tuned[TunableBaseline.Envoy].Genes, name),
        "cortex-agent" => new GuardedController(new LearningController(policy, name) { SloMs = sloMs }, Fallbacks()[0], new GuardrailSettings { FallbackPatience = int.MaxValue / 2, LatencyObjectiveMs = sloMs }),
        "cortex" => new GuardedController(new LearningController(policy, name) { SloMs = sloMs }, Fallbacks()[0], new GuardrailSettings { LatencyObjectiveMs = sloMs }),
        "cortex-multi" => new GuardedController(new LearningController(policy, name) { SloMs = sloMs }, Fallbacks(), new GuardrailSettings { LatencyObjectiveMs = sloMs }),
        _ => throw new ArgumentException($"unknown controller '{name}' (known: {string.Join(", ", AllControllers)})", nameof(name)),
    };

    /// <summary>The fallbacks a guard may shadow: the tuned Gradient2 (the cortex's), AIMD and Envoy (fresh instances; all three in <c>cortex-multi</c>).</summary>
    public IReadOnlyList<IPathwayController> Fallbacks() =>
    [
        BaselineSpace.Create(TunableBaseline.Gradient2, tuned[TunableBaseline.Gradient2].Genes, "gradient2-tuned"),
        BaselineSpace.Create(TunableBaseline.Aimd, tuned[TunableBaseline.Aimd].Genes, "aimd-tuned"),
        BaselineSpace.Create(TunableBaseline.Envoy, tuned[TunableBaseline.Envoy].Genes, "envoy-tuned"),
    ];

    /// <summary>Runs every controller × scenario × seed (cached), logging progress with the time left.</summary>
    public IReadOnlyList<SuiteRun> Run(IReadOnlyList<EvaluationScenario> scenarios, Action<string> log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(log);
        var names = settings.Controllers ?? DefaultControllers;
        var code = string.Join('/', new[] { typeof(Simulator), typeof(PathwayHormones), typeof(Scenario), typeof(IPathwayController) }.Select(t => t.Assembly.ManifestModule.ModuleVersionId));
        var tuning = Hash(JsonSerializer.Serialize(tuned, Json));
        var jobs = scenarios.SelectMany(s => names.SelectMany(n => (s.Set == "heldout" && settings.HeldOutSeeds is { } fewer ? fewer : settings.Seeds).Select(seed => (Scenario: s, Name: n, Seed: seed)))).ToList();
        var results = new SuiteRun[jobs.Count];
        var clock = Stopwatch.StartNew();
        var simulated = 0;
        var finished = 0;
        var gate = new object();
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellationToken }, i =>
        {
            var (scenario, name, seed) = jobs[i];
            var directory = Path.Combine(settings.OutputDirectory, "runs", scenario.Set + "-" + scenario.Scenario.Name);
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, $"{name}-seed{seed}.json");
            var key = Hash($"{scenario.Hash}|{code}|{(name.StartsWith("cortex", StringComparison.Ordinal) ? settings.PolicyFingerprint : string.Empty)}|{(name.EndsWith("-tuned", StringComparison.Ordinal) || name.StartsWith("cortex", StringComparison.Ordinal) ? tuning : string.Empty)}");
            RunReport? report = null;
            var cached = !settings.Fresh && RunCache.TryLoad(path, key, out report);
            if (!cached)
            {
                report = ScenarioRun.Evaluate(scenario.Scenario, Create(name, scenario.Scenario.Slo.LatencyMs), seed);
                RunCache.Save(path, key, report!);
            }

            results[i] = new SuiteRun(scenario.Set, scenario.Family, scenario.Scenario.Name, report!);
            lock (gate)
            {
                finished++;
                simulated += cached ? 0 : 1;
                if (!cached || finished % 200 == 0 || finished == jobs.Count)
                {
                    var eta = simulated == 0 ? TimeSpan.Zero : clock.Elapsed / simulated * (jobs.Count - finished);
                    log(string.Create(CultureInfo.InvariantCulture, $"[{finished,5}/{jobs.Count}] {scenario.Scenario.Name,-34} {name,-17} seed {seed,2}: efficiency {report!.Efficiency:F3}{(cached ? " (cached)" : string.Empty)}  ETA {eta:h\\:mm\\:ss}"));
                }
            }
        });

        return results;
    }

    /// <summary>
    /// Paired differences of <paramref name="subject"/> against every other controller: per scenario
    /// (overall and per phase), per family within each set, and over each set; per seed the group's
    /// value is the mean over its scenarios, so the interval is over the evaluation seeds.
    /// </summary>
    public static IReadOnlyList<SuitePaired> Paired(IReadOnlyList<SuiteRun> runs, IReadOnlyList<EvaluationScenario> scenarios, string subject)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(scenarios);
        var rows = new List<SuitePaired>();
        var baselines = runs.Select(r => r.Report.Controller).Distinct().Where(c => c != subject).ToList();
        void Group(string set, string group, IReadOnlyList<EvaluationScenario> members)
        {
            var names = members.Select(m => m.Scenario.Name).ToHashSet(StringComparer.Ordinal);
            Dictionary<int, double> PerSeed(string controller) => runs
                .Where(r => r.Report.Controller == controller && names.Contains(r.Scenario) && (set == "all" || r.Set == set))
                .GroupBy(r => r.Report.Seed)
                .Where(g => g.Count() == members.Count)
                .ToDictionary(g => g.Key, g => g.Average(r => r.Report.Efficiency));
            var mine = PerSeed(subject);
            foreach (var baseline in baselines)
            {
                var theirs = PerSeed(baseline);
                var seeds = mine.Keys.Intersect(theirs.Keys).Order().ToList();
                if (seeds.Count == 0)
                {
                    continue;
                }

                var a = seeds.Select(s => mine[s]).ToList();
                var b = seeds.Select(s => theirs[s]).ToList();
                rows.Add(new SuitePaired(set, group, baseline, "overall", PairedDifference.Of(a, b), (a.Average() / b.Average()) - 1));
            }
        }

        foreach (var set in new[] { "suite", "heldout" })
        {
            var inSet = scenarios.Where(s => s.Set == set).ToList();
            foreach (var scenario in inSet)
            {
                Group(set, scenario.Scenario.Name, [scenario]);
                foreach (var row in PhaseRows(runs, scenario, subject, baselines))
                {
                    rows.Add(row);
                }
            }

            foreach (var family in inSet.GroupBy(s => s.Family))
            {
                if (family.Count() > 1)
                {
                    Group(set, family.Key, [.. family]);
                }
            }

            Group(set, "all", inSet);
        }

        return rows;
    }

    private static IEnumerable<SuitePaired> PhaseRows(IReadOnlyList<SuiteRun> runs, EvaluationScenario scenario, string subject, IReadOnlyList<string> baselines)
    {
        var mine = runs.Where(r => r.Scenario == scenario.Scenario.Name && r.Set == scenario.Set && r.Report.Controller == subject).ToDictionary(r => r.Report.Seed);
        foreach (var baseline in baselines)
        {
            var theirs = runs.Where(r => r.Scenario == scenario.Scenario.Name && r.Set == scenario.Set && r.Report.Controller == baseline && mine.ContainsKey(r.Report.Seed)).OrderBy(r => r.Report.Seed).ToList();
            if (theirs.Count == 0)
            {
                continue;
            }

            for (var p = 0; p < scenario.Scenario.Phases.Count; p++)
            {
                var phase = p;
                var a = theirs.Select(r => mine[r.Report.Seed].Report.Phases[phase].Efficiency ?? double.NaN).ToList();
                var b = theirs.Select(r => r.Report.Phases[phase].Efficiency ?? double.NaN).ToList();
                var finite = a.Zip(b).Where(x => double.IsFinite(x.First) && double.IsFinite(x.Second)).ToList();
                var relative = finite.Count == 0 || finite.Average(x => x.Second) <= 0 ? double.NaN : (finite.Average(x => x.First) / finite.Average(x => x.Second)) - 1;
                yield return new SuitePaired(scenario.Set, scenario.Scenario.Name, baseline, $"{p + 1:00}-{scenario.Scenario.Phases[p].Name}", PairedDifference.Of(a, b), relative);
            }
        }
    }

    /// <summary>A short content hash (cache keys).</summary>
    public static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
