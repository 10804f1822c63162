namespace BioDapr.Cortex.Evolution;

/// <summary>
/// The evolution workflow's input, carried across continue-as-new: the request, the next generation to evaluate
/// and its population, the best genome so far, and what the progress report needs.
/// </summary>
public sealed record EvolutionState
{
    public required EvolutionRequest Request { get; init; }

    /// <summary>The scenario's pathways (known after the first activity).</summary>
    public IReadOnlyList<string>? Pathways { get; init; }

    /// <summary>The next generation to evaluate (0-based).</summary>
    public int Generation { get; init; }

    public IReadOnlyList<double[]>? Population { get; init; }

    public double[]? Best { get; init; }

    public double? BestFitness { get; init; }

    public int Evaluations { get; init; }

    /// <summary>The best fitness after each generation.</summary>
    public IReadOnlyList<double> BestByGeneration { get; init; } = [];

    /// <summary>When the search started (the workflow clock).</summary>
    public DateTime? StartedAt { get; init; }
}
