using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;

namespace BioDapr.Simulation.Training;

/// <summary>GA settings.</summary>
public sealed record SearchSettings
{
    /// <summary>The seed of the search (population, selection, mutation).</summary>
    public int Seed { get; init; } = 11;

    /// <summary>Policies per generation.</summary>
    public int Population { get; init; } = 20;

    /// <summary>Generations.</summary>
    public int Generations { get; init; } = 10;

    /// <summary>Simulation seeds each policy is scored on (kept apart from the benchmark's seeds).</summary>
    public IReadOnlyList<int> FitnessSeeds { get; init; } = [1001];

    /// <summary>Chance that a gene mutates.</summary>
    public double MutationRate { get; init; } = 0.2;

    /// <summary>Standard deviation of a mutation (genes live in [0, 1]).</summary>
    public double MutationSigma { get; init; } = 0.15;

    /// <summary>Best policies copied unchanged into the next generation.</summary>
    public int Elites { get; init; } = 2;

    /// <summary>Fitness lost per unit of retry amplification (p95) above 1.2, as for the agent.</summary>
    public double AmplificationPenalty { get; init; } = 1;

    /// <summary>Simulations run in parallel.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>The best static policy found.</summary>
/// <param name="Hormones">Hormones per pathway.</param>
/// <param name="Fitness">Its fitness (mean efficiency on the fitness seeds, minus the amplification penalty).</param>
/// <param name="Evaluations">Simulations run.</param>
public sealed record SearchResult(IReadOnlyDictionary<string, PathwayHormones> Hormones, double Fitness, int Evaluations);

/// <summary>
/// A genetic search for the best static policy on a scenario (GeneticSharp is not available here, so
/// this is our own): each genome holds, per pathway, seven genes in [0, 1] decoded on log or linear
/// scales (concurrency limit 2–1024, limiter queue 0–64, timeout 5 ms–10 s, retries 0–3, retry budget
/// 0–100 %, breaker failure ratio 0.1–1, break 0.5–32 s). Tournament selection (3), uniform
/// crossover, Gaussian mutation, elitism. The population starts with BioDapr's defaults in it.
/// Deterministic for a seed: evaluations run in parallel but are gathered in order, and every generation
/// draws from its own random stream (<see cref="GenerationSeed"/>), so the search can stop after any
/// generation and go on elsewhere (the evolution workflow does, one activity per evaluation, continuing as
/// new every few generations) and still reach exactly the same result.
/// </summary>
public sealed class StaticPolicySearch(SearchSettings settings)
{
    /// <summary>Genes per pathway.</summary>
    public const int GenesPerPathway = 7;

    /// <summary>Searches <paramref name="scenario"/>; reports (generation, best fitness) after each generation.</summary>
    public SearchResult Search(Scenario scenario, Action<int, double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var pathways = ScenarioRun.PathwaysOf(scenario.Topology);
        var population = InitialPopulation(pathways.Count);
        var evaluations = 0;
        double[] best = population[0];
        var bestFitness = double.NegativeInfinity;
        for (var generation = 0; generation < settings.Generations; generation++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fitness = new double[population.Count];
            Parallel.For(0, population.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism), CancellationToken = cancellationToken }, i =>
                fitness[i] = Fitness(scenario, pathways, population[i]));
            evaluations += population.Count * settings.FitnessSeeds.Count;
            (best, bestFitness) = Best(population, fitness, best, bestFitness);
            progress?.Invoke(generation + 1, bestFitness);
            if (generation < settings.Generations - 1)
            {
                population = NextGeneration(population, fitness, generation);
            }
        }

        return new SearchResult(DecodeAll(pathways, best), bestFitness, evaluations);
    }

    /// <summary>Generation 0: BioDapr's defaults, then random genomes (from the search's seed).</summary>
    public IReadOnlyList<double[]> InitialPopulation(int pathwayCount)
    {
        var random = new Random(GenerationSeed(settings.Seed, -1));
        var size = pathwayCount * GenesPerPathway;
        return Enumerable.Range(0, settings.Population)
            .Select(i => i == 0 ? Enumerable.Range(0, pathwayCount).SelectMany(_ => Encode(PathwayHormones.Default)).ToArray() : Enumerable.Range(0, size).Select(_ => random.NextDouble()).ToArray())
            .ToList();
    }

    /// <summary>The population after <paramref name="generation"/>, given its fitness: elites kept, the rest bred (deterministic for the seed and generation).</summary>
    public IReadOnlyList<double[]> NextGeneration(IReadOnlyList<double[]> population, IReadOnlyList<double> fitness, int generation)
    {
        ArgumentNullException.ThrowIfNull(population);
        ArgumentNullException.ThrowIfNull(fitness);
        var random = new Random(GenerationSeed(settings.Seed, generation));
        var size = population[0].Length;
        var ranked = Enumerable.Range(0, population.Count).OrderByDescending(i => fitness[i]).ThenBy(i => i).ToList();
        var next = ranked.Take(settings.Elites).Select(i => population[i]).ToList();
        while (next.Count < population.Count)
        {
            var (a, b) = (Tournament(population, fitness, random), Tournament(population, fitness, random));
            var child = new double[size];
            for (var g = 0; g < size; g++)
            {
                child[g] = random.NextDouble() < 0.5 ? a[g] : b[g];
                if (random.NextDouble() < settings.MutationRate)
                {
                    child[g] = Math.Clamp(child[g] + (settings.MutationSigma * BioDapr.Control.Learning.PolicyNetwork.StandardNormal(random)), 0, 1);
                }
            }

            next.Add(child);
        }

        return next;
    }

    /// <summary>The best genome so far after a generation (ties keep the earlier one).</summary>
    public static (double[] Genome, double Fitness) Best(IReadOnlyList<double[]> population, IReadOnlyList<double> fitness, double[] best, double bestFitness)
    {
        ArgumentNullException.ThrowIfNull(population);
        ArgumentNullException.ThrowIfNull(fitness);
        var top = Enumerable.Range(0, population.Count).OrderByDescending(i => fitness[i]).ThenBy(i => i).First();
        return fitness[top] > bestFitness ? (population[top], fitness[top]) : (best, bestFitness);
    }

    /// <summary>
    /// The fitness of one genome: mean efficiency on the fitness seeds minus the amplification penalty. This is
    /// what one evaluation activity of the evolution workflow runs.
    /// </summary>
    public double Fitness(Scenario scenario, IReadOnlyList<string> pathways, double[] genome)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(pathways);
        ArgumentNullException.ThrowIfNull(genome);
        var hormones = DecodeAll(pathways, genome);
        var controller = new StaticController("candidate", p => hormones.TryGetValue(p, out var h) ? h : PathwayHormones.Default);
        return settings.FitnessSeeds.Average(seed =>
        {
            var report = ScenarioRun.Evaluate(scenario, controller, seed);
            return report.Efficiency - (settings.AmplificationPenalty * Math.Max(0, report.AmplificationP95 - 1.2));
        });
    }

    /// <summary>The seed of one generation's random stream (SplitMix64 of the search seed and the generation): independent of how the search is split up.</summary>
    public static int GenerationSeed(int seed, int generation)
    {
        var z = unchecked(((ulong)(uint)seed << 32) ^ (uint)(generation + 1)) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>Decodes a whole genome into hormones per pathway.</summary>
    public static Dictionary<string, PathwayHormones> DecodeAll(IReadOnlyList<string> pathways, double[] genome)
    {
        ArgumentNullException.ThrowIfNull(pathways);
        ArgumentNullException.ThrowIfNull(genome);
        return pathways.Select((p, i) => (p, Decode(genome.AsSpan(i * GenesPerPathway, GenesPerPathway)))).ToDictionary(x => x.p, x => x.Item2, StringComparer.Ordinal);
    }

    /// <summary>Decodes one pathway's genes (seven values in [0, 1]) into hormones.</summary>
    public static PathwayHormones Decode(ReadOnlySpan<double> genes) => PathwayHormones.Default with
    {
        ConcurrencyLimit = (int)Math.Round(Math.Pow(2, 1 + (genes[0] * 9))),
        QueueLimit = (int)Math.Round(genes[1] * 64),
        TimeoutMs = (int)Math.Round(5 * Math.Pow(2, genes[2] * 11)),
        MaxRetries = (int)Math.Round(genes[3] * 3),
        RetryBudgetPercent = Math.Round(genes[4] * 100, 1),
        BreakerFailureRatio = Math.Round(0.1 + (genes[5] * 0.9), 3),
        BreakerBreakMs = (int)Math.Round(500 * Math.Pow(2, genes[6] * 6)),
    };

    /// <summary>The genes closest to <paramref name="hormones"/> (inverse of <see cref="Decode(ReadOnlySpan{double})"/>).</summary>
    public static double[] Encode(PathwayHormones hormones)
    {
        ArgumentNullException.ThrowIfNull(hormones);
        return
        [
            Math.Clamp((Math.Log2(hormones.ConcurrencyLimit) - 1) / 9, 0, 1),
            Math.Clamp(hormones.QueueLimit / 64.0, 0, 1),
            Math.Clamp(Math.Log2(hormones.TimeoutMs / 5.0) / 11, 0, 1),
            Math.Clamp(hormones.MaxRetries / 3.0, 0, 1),
            Math.Clamp(hormones.RetryBudgetPercent / 100, 0, 1),
            Math.Clamp((hormones.BreakerFailureRatio - 0.1) / 0.9, 0, 1),
            Math.Clamp(Math.Log2(hormones.BreakerBreakMs / 500.0) / 6, 0, 1),
        ];
    }

    private static double[] Tournament(IReadOnlyList<double[]> population, IReadOnlyList<double> fitness, Random random)
    {
        var best = random.Next(population.Count);
        for (var k = 1; k < 3; k++)
        {
            var other = random.Next(population.Count);
            if (fitness[other] > fitness[best])
            {
                best = other;
            }
        }

        return population[best];
    }
}
