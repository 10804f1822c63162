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
/// Deterministic for a seed: evaluations run in parallel but are gathered in order.
/// </summary>
public sealed class StaticPolicySearch(SearchSettings settings)
{
    private const int GenesPerPathway = 7;

    /// <summary>Searches <paramref name="scenario"/>; reports (generation, best fitness) after each generation.</summary>
    public SearchResult Search(Scenario scenario, Action<int, double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var pathways = ScenarioRun.PathwaysOf(scenario.Topology);
        var random = new Random(settings.Seed);
        var size = pathways.Count * GenesPerPathway;
        var population = Enumerable.Range(0, settings.Population)
            .Select(i => i == 0 ? Enumerable.Range(0, pathways.Count).SelectMany(_ => Encode(PathwayHormones.Default)).ToArray() : Enumerable.Range(0, size).Select(_ => random.NextDouble()).ToArray())
            .ToList();
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
            var ranked = Enumerable.Range(0, population.Count).OrderByDescending(i => fitness[i]).ToList();
            if (fitness[ranked[0]] > bestFitness)
            {
                (best, bestFitness) = (population[ranked[0]], fitness[ranked[0]]);
            }

            progress?.Invoke(generation + 1, bestFitness);
            if (generation == settings.Generations - 1)
            {
                break;
            }

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

            population = next;
        }

        return new SearchResult(Decode(pathways, best), bestFitness, evaluations);
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

    private static Dictionary<string, PathwayHormones> Decode(IReadOnlyList<string> pathways, double[] genome) =>
        pathways.Select((p, i) => (p, Decode(genome.AsSpan(i * GenesPerPathway, GenesPerPathway)))).ToDictionary(x => x.p, x => x.Item2, StringComparer.Ordinal);

    private double Fitness(Scenario scenario, IReadOnlyList<string> pathways, double[] genome)
    {
        var hormones = Decode(pathways, genome);
        var controller = new StaticController("candidate", p => hormones.TryGetValue(p, out var h) ? h : PathwayHormones.Default);
        return settings.FitnessSeeds.Average(seed =>
        {
            var report = ScenarioRun.Evaluate(scenario, controller, seed);
            return report.Efficiency - (settings.AmplificationPenalty * Math.Max(0, report.AmplificationP95 - 1.2));
        });
    }

    private static double[] Tournament(List<double[]> population, double[] fitness, Random random)
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
