namespace BioDapr.Cortex.Evolution;

/// <summary>The evolution workflow's custom status: how far the search is, for <c>./biodapr evolve</c>'s progress and ETA.</summary>
public sealed record EvolutionProgress(int Generation, int Generations, double BestFitness, int Evaluations, DateTime StartedAt, DateTime At);

/// <summary>An evolution that has not finished: its instance, runtime status and progress (null before the first generation ends).</summary>
public sealed record EvolutionRunning(string InstanceId, string Status, EvolutionProgress? Progress);
