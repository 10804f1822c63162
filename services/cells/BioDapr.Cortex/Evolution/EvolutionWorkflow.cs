using BioDapr.Simulation.Training;
using Dapr.Workflow;

namespace BioDapr.Cortex.Evolution;

/// <summary>
/// The lab's static-policy search as a Dapr workflow: each generation fans out one <see cref="EvaluateCandidateActivity"/>
/// per candidate (spread by the sidecar over every replica of the cortex), gathers the fitness in order, keeps the
/// best and breeds the next generation with <see cref="StaticPolicySearch.NextGeneration"/> — the same deterministic
/// steps as the in-process search, so the same seed gives the same proposal. Every
/// <see cref="EvolutionRequest.GenerationsPerRun"/> generations it continues as new with its state; progress is its
/// custom status; the result is an <see cref="EvolutionProposal"/>.
/// </summary>
public sealed class EvolutionWorkflow : Workflow<EvolutionState, EvolutionProposal?>
{
    public const string Name = "EvolveStaticPolicy";

    private static readonly WorkflowTaskOptions Retries = new(new WorkflowRetryPolicy(3, TimeSpan.FromSeconds(1)));

    public override async Task<EvolutionProposal?> RunAsync(WorkflowContext context, EvolutionState input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request ?? throw new ArgumentException("the evolution's input has no request");
        if (request.Validate() is { Count: > 0 } problems)
        {
            // Deterministic (the input only), so replay fails the same way; the instance ends Failed with the reasons.
            throw new ArgumentException("invalid evolution request: " + string.Join("; ", problems));
        }

        var search = new StaticPolicySearch(request.ToSettings());
        var state = input;
        if (state.Pathways is null || state.Population is null)
        {
            var pathways = await context.CallActivityAsync<IReadOnlyList<string>>(ScenarioPathwaysActivity.Name, request, Retries);
            state = state with { Pathways = pathways, Population = search.InitialPopulation(pathways.Count), StartedAt = context.CurrentUtcDateTime };
        }

        var population = state.Population!;
        double[] fitness = [];
        for (var step = 0; step < request.GenerationsPerRun && state.Generation < request.Generations; step++)
        {
            var evaluations = population.Select(genome => context.CallActivityAsync<double>(EvaluateCandidateActivity.Name, new CandidateEvaluation(request, state.Pathways!, genome), Retries));
            fitness = await Task.WhenAll(evaluations);
            var (best, bestFitness) = StaticPolicySearch.Best(population, fitness, state.Best ?? population[0], state.BestFitness ?? double.NegativeInfinity);
            state = state with
            {
                Generation = state.Generation + 1,
                Best = best,
                BestFitness = bestFitness,
                Evaluations = state.Evaluations + (population.Count * request.FitnessSeeds.Count),
                BestByGeneration = [.. state.BestByGeneration, bestFitness],
            };
            context.SetCustomStatus(new EvolutionProgress(state.Generation, request.Generations, bestFitness, state.Evaluations, state.StartedAt ?? context.CurrentUtcDateTime, context.CurrentUtcDateTime));
            if (state.Generation < request.Generations)
            {
                population = search.NextGeneration(population, fitness, state.Generation - 1);
                state = state with { Population = population };
            }
        }

        if (state.Generation < request.Generations)
        {
            context.ContinueAsNew(state);
            return null;
        }

        var candidates = Enumerable.Range(0, population.Count)
            .OrderByDescending(i => fitness[i]).ThenBy(i => i).Take(3)
            .Select(i => new EvolutionCandidate(StaticPolicySearch.DecodeAll(state.Pathways!, population[i]), fitness[i]))
            .ToList();
        return new EvolutionProposal(
            request.ScenarioPath,
            request.Seed,
            request.Generations,
            state.BestFitness ?? double.NaN,
            state.Evaluations,
            StaticPolicySearch.DecodeAll(state.Pathways!, state.Best!),
            candidates,
            state.BestByGeneration);
    }
}
