using BioDapr.Simulation.Training;

namespace BioDapr.Cortex.Evolution;

/// <summary>
/// What to evolve: the static-policy genetic search of the lab (<see cref="StaticPolicySearch"/>) on a scenario file
/// readable by every replica of the cortex, with the search's settings. <see cref="GenerationsPerRun"/> generations
/// run per workflow execution before it continues as new, so the history stays bounded.
/// </summary>
public sealed record EvolutionRequest
{
    /// <summary>The scenario file (absolute path on the machine where the cortex replicas run).</summary>
    public required string ScenarioPath { get; init; }

    /// <summary>Scenario shortening factor (1 = as written).</summary>
    public double Shorten { get; init; } = 1;

    public int Seed { get; init; } = 11;

    public int Population { get; init; } = 20;

    public int Generations { get; init; } = 10;

    public IReadOnlyList<int> FitnessSeeds { get; init; } = [1001];

    public double MutationRate { get; init; } = 0.2;

    public double MutationSigma { get; init; } = 0.15;

    public int Elites { get; init; } = 2;

    public double AmplificationPenalty { get; init; } = 1;

    /// <summary>Generations per workflow execution before continue-as-new.</summary>
    public int GenerationsPerRun { get; init; } = 3;

    /// <summary>The lab's settings with the same values (the in-process search uses these).</summary>
    public SearchSettings ToSettings() => new()
    {
        Seed = Seed,
        Population = Population,
        Generations = Generations,
        FitnessSeeds = FitnessSeeds,
        MutationRate = MutationRate,
        MutationSigma = MutationSigma,
        Elites = Elites,
        AmplificationPenalty = AmplificationPenalty,
    };

    /// <summary>Problems with the request, named by field (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ScenarioPath))
        {
            problems.Add("scenarioPath is required");
        }

        if (Shorten is <= 0 or > 1 || double.IsNaN(Shorten))
        {
            problems.Add("shorten must be in (0, 1]");
        }

        if (Population < 2 || Population > 500)
        {
            problems.Add("population must be between 2 and 500");
        }

        if (Generations < 1 || Generations > 1000)
        {
            problems.Add("generations must be between 1 and 1000");
        }

        if (FitnessSeeds is null || FitnessSeeds.Count == 0)
        {
            problems.Add("fitnessSeeds must name at least one seed");
        }

        if (FitnessSeeds is { Count: > 100 })
        {
            problems.Add("fitnessSeeds may name at most 100 seeds");
        }

        if (MutationRate is < 0 or > 1 || double.IsNaN(MutationRate))
        {
            problems.Add("mutationRate must be in [0, 1]");
        }

        if (MutationSigma is < 0 or > 1 || double.IsNaN(MutationSigma))
        {
            problems.Add("mutationSigma must be in [0, 1]");
        }

        if (AmplificationPenalty < 0 || !double.IsFinite(AmplificationPenalty))
        {
            problems.Add("amplificationPenalty must be a finite number of at least 0");
        }

        if (Elites < 0 || Elites >= Population)
        {
            problems.Add("elites must be at least 0 and below the population");
        }

        if (GenerationsPerRun < 1)
        {
            problems.Add("generationsPerRun must be at least 1");
        }

        return problems;
    }
}
