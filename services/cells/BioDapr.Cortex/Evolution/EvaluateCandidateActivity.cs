using BioDapr.Simulation.Training;
using Dapr.Workflow;

namespace BioDapr.Cortex.Evolution;

/// <summary>
/// One candidate evaluation: the genome's fitness in the simulator — exactly the call the in-process search makes
/// (<see cref="StaticPolicySearch.Fitness"/>). The workflow fans these out; the sidecar hands them to every
/// replica of the cortex connected to it.
/// </summary>
public sealed class EvaluateCandidateActivity(ScenarioCache scenarios) : WorkflowActivity<CandidateEvaluation, double>
{
    public const string Name = "EvaluateCandidate";

    public override Task<double> RunAsync(WorkflowActivityContext context, CandidateEvaluation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var scenario = scenarios.Get(input.Request.ScenarioPath, input.Request.Shorten);
        return Task.FromResult(new StaticPolicySearch(input.Request.ToSettings()).Fitness(scenario, input.Pathways, input.Genome));
    }
}
