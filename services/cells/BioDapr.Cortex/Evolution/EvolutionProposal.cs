using BioDapr.Pathways.Hormones;

namespace BioDapr.Cortex.Evolution;

/// <summary>One candidate policy: hormones per pathway and its fitness.</summary>
public sealed record EvolutionCandidate(IReadOnlyDictionary<string, PathwayHormones> Hormones, double Fitness);

/// <summary>
/// The result of an evolution: the best static policy found (hormones per pathway, <c>cell→target</c>), the best
/// candidates of the last generation, and how the search went. The cortex adopts it with
/// <c>POST /proposals/{instanceId}/adopt</c> (or <c>POST /proposals/adopt</c> with this document as the body).
/// </summary>
public sealed record EvolutionProposal(
    string Scenario,
    int Seed,
    int Generations,
    double Fitness,
    int Evaluations,
    IReadOnlyDictionary<string, PathwayHormones> Hormones,
    IReadOnlyList<EvolutionCandidate> Candidates,
    IReadOnlyList<double> BestByGeneration);
