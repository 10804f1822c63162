using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;

namespace BioDapr.Simulation.Training;

/// <summary>The baselines tuned with equal budgets (docs/cortex.md, "Fair baselines").</summary>
public enum TunableBaseline
{
    /// <summary>One static policy for every pathway (limit, queue and the shared genes).</summary>
    Static,

    /// <summary>Netflix's AIMD: initial, min and max limit, back-off ratio, drop timeout.</summary>
    Aimd,

    /// <summary>Netflix's Gradient2: initial, min and max limit, smoothing, tolerance, long window, queue size.</summary>
    Gradient2,

    /// <summary>Envoy's adaptive concurrency: min concurrency, initial limit, min-RTT interval and windows, jitter, buffer.</summary>
    Envoy,
}

/// <summary>How the baselines are tuned: the same genetic search, budget and training scenarios for each.</summary>
public sealed record TuningSettings
{
    /// <summary>Seeds the search (initial population, selection, mutation).</summary>
    public int Seed { get; init; } = 11;

    /// <summary>Candidates per generation.</summary>
    public int Population { get; init; } = 12;

    /// <summary>Generations.</summary>
    public int Generations { get; init; } = 6;

    /// <summary>Training scenarios (<see cref="ScenarioGenerator.Training"/> 0..n-1) every candidate is simulated on, once each with the scenario's own seed.</summary>
    public int TrainingScenarios { get; init; } = 8;

    /// <summary>Each training scenario is shortened by this factor (cost).</summary>
    public double Shorten { get; init; } = 1;

    /// <summary>Runs in parallel.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Simulations each baseline gets: population × generations × training scenarios.</summary>
    public int Budget => Population * Generations * TrainingScenarios;
}

/// <summary>One tuned baseline: its genome, the parameters it decodes to, its training fitness and the simulations spent.</summary>
/// <param name="Baseline">Which baseline.</param>
/// <param name="Genes">The genome (each gene in [0, 1]).</param>
/// <param name="Parameters">The decoded parameters, for reading.</param>
/// <param name="Fitness">Mean training fitness (efficiency minus the amplification penalty).</param>
/// <param name="DefaultFitness">The default variant's training fitness (it is the first candidate).</param>
/// <param name="Simulations">Simulations spent.</param>
public sealed record TunedBaseline(TunableBaseline Baseline, double[] Genes, IReadOnlyDictionary<string, double> Parameters, double Fitness, double DefaultFitness, int Simulations);

/// <summary>The committed result of a tuning run (docs/benchmarks/cortex/tuned-baselines.json).</summary>
/// <param name="Settings">How it was tuned.</param>
/// <param name="Baselines">One entry per <see cref="TunableBaseline"/>.</param>
public sealed record TunedBaselineSet(TuningSettings Settings, IReadOnlyList<TunedBaseline> Baselines)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>The tuned genome of <paramref name="baseline"/>.</summary>
    public TunedBaseline this[TunableBaseline baseline] =>
        Baselines.FirstOrDefault(b => b.Baseline == baseline) ?? throw new InvalidDataException($"the tuned baselines have no entry for {baseline}; re-tune with --retune");

    /// <summary>Reads a tuning file; a missing, malformed or incomplete file is an error naming the path and the problem.</summary>
    public static TunedBaselineSet Load(string path)
    {
        TunedBaselineSet? set;
        try
        {
            set = JsonSerializer.Deserialize<TunedBaselineSet>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a tuned-baselines file ({ex.Message}); re-tune with --retune", ex);
        }

        if (set?.Baselines is null || set.Settings is null)
        {
            throw new InvalidDataException($"{path}: not a tuned-baselines file (settings and baselines are required); re-tune with --retune");
        }

        foreach (var baseline in Enum.GetValues<TunableBaseline>())
        {
            var entry = set[baseline];
            if (entry.Genes is null || entry.Genes.Length != BaselineSpace.GeneCount(baseline) || entry.Genes.Any(g => !double.IsFinite(g) || g < 0 || g > 1))
            {
                throw new InvalidDataException($"{path}: {baseline}: the genome must have {BaselineSpace.GeneCount(baseline)} genes in [0, 1]; re-tune with --retune");
            }
        }

        return set;
    }

    /// <summary>Writes the file (indented JSON).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }
}

/// <summary>
/// The parameter space of each tunable baseline: its own parameters plus six shared genes (timeout,
/// retries, retry budget, breaker failure ratio, breaker break time, hedge delay), all in [0, 1] and
/// decoded on log scales where the range spans orders of magnitude. Pathway-agnostic: the same
/// parameters apply to every pathway, because training scenarios differ in topology.
/// </summary>
public static class BaselineSpace
{
    /// <summary>Genes shared by every baseline (the hormones besides the limit).</summary>
    public const int SharedGenes = 6;

    /// <summary>Genes of <paramref name="baseline"/>.</summary>
    public static int GeneCount(TunableBaseline baseline) => SharedGenes + baseline switch
    {
        TunableBaseline.Static => 2,
        TunableBaseline.Aimd => 5,
        TunableBaseline.Gradient2 => 7,
        _ => 5,
    };

    /// <summary>A controller from a genome.</summary>
    public static IPathwayController Create(TunableBaseline baseline, IReadOnlyList<double> genes, string name)
    {
        ArgumentNullException.ThrowIfNull(genes);
        var p = Decode(baseline, genes);
        var hormones = Shared(p);
        int I(string key) => (int)Math.Round(p[key]);
        return baseline switch
        {
            TunableBaseline.Static => new StaticController(name, hormones with { ConcurrencyLimit = I("limit"), QueueLimit = I("queueLimit") }),
            TunableBaseline.Aimd => new AimdController(name) { Base = hormones, InitialLimit = I("initialLimit"), MinLimit = I("minLimit"), MaxLimit = I("maxLimit"), BackoffRatio = p["backoffRatio"], TimeoutMs = p["dropTimeoutMs"] },
            TunableBaseline.Gradient2 => new Gradient2Controller(name) { Base = hormones, InitialLimit = I("initialLimit"), MinLimit = I("minLimit"), MaxLimit = I("maxLimit"), Smoothing = p["smoothing"], RttTolerance = p["rttTolerance"], LongWindow = I("longWindow"), QueueSize = p["queueSize"] },
            _ => new EnvoyAdaptiveController(name) { Base = hormones, MinConcurrency = I("minConcurrency"), InitialLimit = I("initialLimit"), MinRttIntervalSeconds = p["minRttIntervalSeconds"], MinRttWindows = I("minRttWindows"), BufferPercent = p["bufferPercent"] },
        };
    }

    /// <summary>The parameters a genome stands for (names as in the controllers and <see cref="PathwayHormones"/>).</summary>
    public static IReadOnlyDictionary<string, double> Decode(TunableBaseline baseline, IReadOnlyList<double> genes)
    {
        ArgumentNullException.ThrowIfNull(genes);
        if (genes.Count != GeneCount(baseline))
        {
            throw new ArgumentException($"{baseline} needs {GeneCount(baseline)} genes, got {genes.Count}", nameof(genes));
        }

        double Log(double gene, double low, double high) => low * Math.Pow(high / low, Math.Clamp(gene, 0, 1));
        double Lin(double gene, double low, double high) => low + ((high - low) * Math.Clamp(gene, 0, 1));
        var p = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["timeoutMs"] = Math.Round(Log(genes[0], 5, 10_240)),
            ["maxRetries"] = Math.Round(Lin(genes[1], 0, 3)),
            ["retryBudgetPercent"] = Math.Round(Lin(genes[2], 0, 100), 1),
            ["breakerFailureRatio"] = Math.Round(Lin(genes[3], 0.1, 1), 3),
            ["breakerBreakMs"] = Math.Round(Log(genes[4], 500, 32_000)),
            // Below 0.5: no hedging; above: a hedge after 5–1280 ms.
            ["hedgeDelayMs"] = genes[5] < 0.5 ? 0 : Math.Round(Log((genes[5] - 0.5) * 2, 5, 1_280)),
        };
        var own = genes.Skip(SharedGenes).ToArray();
        switch (baseline)
        {
            case TunableBaseline.Static:
                p["limit"] = Math.Round(Log(own[0], 1, 1_024));
                p["queueLimit"] = Math.Round(Lin(own[1], 0, 64));
                break;
            case TunableBaseline.Aimd:
                p["minLimit"] = Math.Round(Log(own[1], 1, 64));
                p["initialLimit"] = Math.Max(p["minLimit"], Math.Round(Log(own[0], 1, 256)));
                p["maxLimit"] = Math.Max(p["initialLimit"], Math.Round(Log(own[2], 8, 1_024)));
                p["backoffRatio"] = Math.Round(Lin(own[3], 0.5, 0.99), 3);
                p["dropTimeoutMs"] = Math.Round(Log(own[4], 10, 10_000));
                break;
            case TunableBaseline.Gradient2:
                p["minLimit"] = Math.Round(Log(own[1], 1, 64));
                p["initialLimit"] = Math.Max(p["minLimit"], Math.Round(Log(own[0], 1, 256)));
                p["maxLimit"] = Math.Max(p["initialLimit"], Math.Round(Log(own[2], 8, 1_024)));
                p["smoothing"] = Math.Round(Lin(own[3], 0.02, 1), 3);
                p["rttTolerance"] = Math.Round(Lin(own[4], 1, 4), 3);
                p["longWindow"] = Math.Round(Log(own[5], 5, 1_000));
                p["queueSize"] = Math.Round(Lin(own[6], 0, 16), 2);
                break;
            default:
                p["minConcurrency"] = Math.Round(Log(own[0], 1, 64));
                p["initialLimit"] = Math.Max(p["minConcurrency"], Math.Round(Log(own[1], 1, 256)));
                p["minRttIntervalSeconds"] = Math.Round(Log(own[2], 5, 300), 1);
                p["minRttWindows"] = Math.Round(Lin(own[3], 1, 10));
                p["bufferPercent"] = Math.Round(Lin(own[4], 0, 100), 1);
                break;
        }

        return p;
    }

    /// <summary>The genome of the baseline's default variant (Netflix's, Envoy's and BioDapr's defaults), the search's first candidate.</summary>
    public static double[] Defaults(TunableBaseline baseline)
    {
        double Log(double value, double low, double high) => Math.Clamp(Math.Log(value / low) / Math.Log(high / low), 0, 1);
        double Lin(double value, double low, double high) => Math.Clamp((value - low) / (high - low), 0, 1);
        var d = PathwayHormones.Default;
        var shared = new[]
        {
            Log(d.TimeoutMs, 5, 10_240), Lin(d.MaxRetries, 0, 3), Lin(d.RetryBudgetPercent, 0, 100),
            Lin(d.BreakerFailureRatio, 0.1, 1), Log(d.BreakerBreakMs, 500, 32_000), 0.25,
        };
        double[] own = baseline switch
        {
            TunableBaseline.Static => [Log(d.ConcurrencyLimit, 1, 1_024), Lin(d.QueueLimit, 0, 64)],
            TunableBaseline.Aimd => [Log(20, 1, 256), Log(20, 1, 64), Log(200, 8, 1_024), Lin(0.9, 0.5, 0.99), Log(5_000, 10, 10_000)],
            TunableBaseline.Gradient2 => [Log(20, 1, 256), Log(20, 1, 64), Log(200, 8, 1_024), Lin(0.2, 0.02, 1), Lin(1.5, 1, 4), Log(600, 5, 1_000), Lin(4, 0, 16)],
            _ => [Log(3, 1, 64), Log(20, 1, 256), Log(60, 5, 300), Lin(5, 1, 10), Lin(25, 0, 100)],
        };
        return [.. shared, .. own];
    }

    private static PathwayHormones Shared(IReadOnlyDictionary<string, double> p) => PathwayHormones.Default with
    {
        TimeoutMs = (int)p["timeoutMs"],
        MaxRetries = (int)p["maxRetries"],
        RetryBudgetPercent = p["retryBudgetPercent"],
        BreakerFailureRatio = p["breakerFailureRatio"],
        BreakerBreakMs = (int)p["breakerBreakMs"],
        HedgeDelayMs = (int)p["hedgeDelayMs"],
        MaxHedges = p["hedgeDelayMs"] > 0 ? 1 : 0,
    };
}

/// <summary>
/// Tunes every baseline with the same genetic search (<see cref="StaticPolicySearch"/>'s operators),
/// the same number of simulations and the same training scenarios (generated; never an evaluation
/// scenario). The default variant is the first candidate, so a tuned baseline is never worse than its
/// default on the training set. Deterministic for a given <see cref="TuningSettings"/>.
/// </summary>
public sealed class BaselineTuner
{
    private readonly TuningSettings settings;

    /// <summary>Creates a tuner.</summary>
    public BaselineTuner(TuningSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.settings = settings;
        TrainingScenarios = Enumerable.Range(0, settings.TrainingScenarios)
            .Select(i => settings.Shorten < 1 ? ScenarioGenerator.Training(i).Shortened(settings.Shorten) : ScenarioGenerator.Training(i))
            .ToList();
    }

    /// <summary>The training scenarios every candidate is scored on.</summary>
    public IReadOnlyList<Scenario> TrainingScenarios { get; }

    /// <summary>Tunes every baseline; <paramref name="log"/> receives progress lines with the time left.</summary>
    public TunedBaselineSet TuneAll(Action<string> log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var all = Enum.GetValues<TunableBaseline>();
        var clock = Stopwatch.StartNew();
        var done = 0;
        var total = all.Length * settings.Generations;
        var results = new List<TunedBaseline>();
        foreach (var baseline in all)
        {
            results.Add(Tune(baseline, (generation, best) =>
            {
                done++;
                var eta = clock.Elapsed / done * (total - done);
                log(string.Create(CultureInfo.InvariantCulture, $"tuning {baseline,-9} generation {generation}/{settings.Generations}: best training fitness {best:F3}  ETA {eta:h\\:mm\\:ss}"));
            }, cancellationToken));
        }

        return new TunedBaselineSet(settings, results);
    }

    /// <summary>Tunes one baseline.</summary>
    public TunedBaseline Tune(TunableBaseline baseline, Action<int, double>? progress = null, CancellationToken cancellationToken = default)
    {
        var search = new StaticPolicySearch(new SearchSettings { Seed = settings.Seed + (int)baseline, Population = settings.Population, Generations = settings.Generations });
        var random = new Random(StaticPolicySearch.GenerationSeed(settings.Seed + (int)baseline, -1));
        var size = BaselineSpace.GeneCount(baseline);
        var defaults = BaselineSpace.Defaults(baseline);
        IReadOnlyList<double[]> population = Enumerable.Range(0, settings.Population)
            .Select(i => i == 0 ? defaults : Enumerable.Range(0, size).Select(_ => random.NextDouble()).ToArray())
            .ToList();
        var best = defaults;
        var bestFitness = double.NegativeInfinity;
        var defaultFitness = double.NaN;
        var simulations = 0;
        for (var generation = 0; generation < settings.Generations; generation++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = population;
            var fitness = new double[current.Count];
            Parallel.For(0, current.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellationToken }, i =>
                fitness[i] = Fitness(baseline, current[i]));
            simulations += current.Count * TrainingScenarios.Count;
            if (generation == 0)
            {
                defaultFitness = fitness[0];
            }

            (best, bestFitness) = StaticPolicySearch.Best(current, fitness, best, bestFitness);
            progress?.Invoke(generation + 1, bestFitness);
            if (generation < settings.Generations - 1)
            {
                population = search.NextGeneration(current, fitness, generation);
            }
        }

        return new TunedBaseline(baseline, best, BaselineSpace.Decode(baseline, best), bestFitness, defaultFitness, simulations);
    }

    /// <summary>Mean over the training scenarios of efficiency minus 1 × the amplification p95 above 1.2 (the target).</summary>
    public double Fitness(TunableBaseline baseline, IReadOnlyList<double> genes) => TrainingScenarios.Average(scenario =>
    {
        var report = ScenarioRun.Evaluate(scenario, BaselineSpace.Create(baseline, genes, "candidate"), scenario.Seed);
        return report.Efficiency - Math.Max(0, report.AmplificationP95 - 1.2);
    });
}
