namespace BioDapr.Cortex.Evolution;

/// <summary>One activity's work: the fitness of one genome on the scenario.</summary>
public sealed record CandidateEvaluation(EvolutionRequest Request, IReadOnlyList<string> Pathways, double[] Genome);
