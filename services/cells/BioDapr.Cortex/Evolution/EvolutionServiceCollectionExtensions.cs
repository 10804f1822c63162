using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BioDapr.Cortex.Evolution;

/// <summary>Registers the evolution workflow and its activities with the Dapr.Workflow SDK.</summary>
public static class EvolutionServiceCollectionExtensions
{
    /// <summary>Adds <c>AddDaprWorkflow</c> with <see cref="EvolutionWorkflow"/>, its activities and the scenario cache.</summary>
    public static IServiceCollection AddCortexEvolution(this IServiceCollection services)
    {
        services.AddSingleton<ScenarioCache>();
        services.AddDaprWorkflow(Register);
        // The evolution API talks to the workflow client through its interface (tests put a fake behind it).
        services.TryAddSingleton<IDaprWorkflowClient>(provider => provider.GetRequiredService<DaprWorkflowClient>());
        return services;
    }

    /// <summary>The registrations alone (tests host them in any worker).</summary>
    public static void Register(WorkflowRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RegisterWorkflow<EvolutionWorkflow>(EvolutionWorkflow.Name);
        options.RegisterActivity<EvaluateCandidateActivity>(EvaluateCandidateActivity.Name);
        options.RegisterActivity<ScenarioPathwaysActivity>(ScenarioPathwaysActivity.Name);
    }
}
