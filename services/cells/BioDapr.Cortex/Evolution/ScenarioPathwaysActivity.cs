using BioDapr.Simulation.Evaluation;
using Dapr.Workflow;

namespace BioDapr.Cortex.Evolution;

/// <summary>The pathways of the scenario (reading the file is I/O, so it is an activity, not workflow code).</summary>
public sealed class ScenarioPathwaysActivity(ScenarioCache scenarios) : WorkflowActivity<EvolutionRequest, IReadOnlyList<string>>
{
    public const string Name = "ScenarioPathways";

    public override Task<IReadOnlyList<string>> RunAsync(WorkflowActivityContext context, EvolutionRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Task.FromResult(ScenarioRun.PathwaysOf(scenarios.Get(input.ScenarioPath, input.Shorten).Topology));
    }
}
