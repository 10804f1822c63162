using System.Globalization;
using System.Reflection;
using System.Text.Json;
using BioDapr.Cell.Immune;
using BioDapr.Cortex.Evolution;
using BioDapr.Cortex.Hormones;
using BioDapr.Cortex.Operators;
using BioDapr.Pathways.Hormones;
using Dapr.Workflow;
using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cortex.Apis;

/// <summary>
/// Evolution: starts an <see cref="EvolutionWorkflow"/> (the static-policy search as a Dapr workflow), reports its
/// progress and its proposal (read through the Dapr workflow API), and adopts a proposal, which writes the proposed
/// static policy of every pathway to the hormone store the cells read, the way the cortex writes its own decisions.
/// Starting and adopting change the organism (or spend its cortex's time), so they are operator actions
/// (<c>X-Operator-Key</c>, <see cref="OperatorEndpointExtensions.RequireOperator"/>); reading progress is open, like the
/// organism page's reads.
/// </summary>
public static partial class EvolutionApi
{
    // Every hormone of a pathway: the policy the simulator evaluated is the whole record (the genes plus the defaults).
    private static readonly PropertyInfo[] Hormones = [.. typeof(PathwayHormones).GetProperties().Where(p => p.CanWrite)];

    /// <summary>
    /// Maps <c>POST /evolutions</c>, <c>GET /evolutions/{instanceId}</c>, <c>POST /evolutions/{instanceId}/adopt</c>
    /// and <c>POST /evolutions/adopt</c> (a proposal document as the body), all on the public port; the POSTs need an
    /// operator's key.
    /// </summary>
    public static IEndpointRouteBuilder MapEvolutionApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/evolutions").WithTags("Evolution");
        group.MapPost("/", StartAsync).WithName("StartEvolution").PublicApi().RequireOperator("starting an evolution");
        group.MapGet("/{instanceId}", GetAsync).WithName("GetEvolution").PublicApi();
        group.MapPost("/{instanceId}/adopt", AdoptInstanceAsync).WithName("AdoptEvolution").PublicApi().RequireOperator("adopting an evolved policy");
        group.MapPost("/adopt", AdoptDocumentAsync).WithName("AdoptProposal").PublicApi().RequireOperator("adopting an evolved policy");
        return routes;
    }

    internal static async Task<Results<Accepted<EvolutionRunning>, ProblemHttpResult>> StartAsync(EvolutionRequest request, string? instanceId, HttpContext context, IDaprWorkflowClient workflows, ILogger<EvolutionProposal> logger, CancellationToken cancellationToken)
    {
        var problems = request is null ? ["the body must be an evolution request"] : request.Validate();
        if (problems.Count == 0 && !File.Exists(request!.ScenarioPath))
        {
            problems = [$"scenarioPath '{request.ScenarioPath}' is not a file the cortex can read"];
        }

        if (problems.Count > 0)
        {
            return TypedResults.Problem(string.Join("; ", problems), statusCode: StatusCodes.Status400BadRequest, title: "Invalid evolution request");
        }

        var id = string.IsNullOrWhiteSpace(instanceId) ? "evolve-" + Guid.NewGuid().ToString("N")[..12] : instanceId;
        try
        {
            await workflows.ScheduleNewWorkflowAsync(EvolutionWorkflow.Name, id, new EvolutionState { Request = request! }, null, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.InvalidArgument)
        {
            return TypedResults.Problem($"evolution '{id}' was not started: {ex.Status.Detail}", statusCode: StatusCodes.Status409Conflict);
        }

        Log.Started(logger, OperatorEndpointExtensions.OperatorOf(context) ?? "?", id);

        return TypedResults.Accepted($"/evolutions/{Uri.EscapeDataString(id)}", new EvolutionRunning(id, nameof(WorkflowRuntimeStatus.Pending), null));
    }

    internal static async Task<Results<Ok<EvolutionProposal>, Accepted<EvolutionRunning>, ProblemHttpResult>> GetAsync(string instanceId, IDaprWorkflowClient workflows, CancellationToken cancellationToken)
    {
        var (proposal, running, problem) = await ReadAsync(instanceId, workflows, cancellationToken);
        return problem is not null ? problem : proposal is not null ? TypedResults.Ok(proposal) : TypedResults.Accepted((string?)null, running!);
    }

    internal static async Task<Results<Ok<IReadOnlyList<string>>, ProblemHttpResult>> AdoptInstanceAsync(string instanceId, HttpContext context, IDaprWorkflowClient workflows, IHormoneStore hormones, ILogger<EvolutionProposal> logger, CancellationToken cancellationToken)
    {
        var (proposal, _, problem) = await ReadAsync(instanceId, workflows, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return proposal is null
            ? TypedResults.Problem($"evolution '{instanceId}' has not finished yet", statusCode: StatusCodes.Status409Conflict)
            : await AdoptAsync(proposal, $"evolution '{instanceId}'", context, hormones, logger, cancellationToken);
    }

    internal static Task<Results<Ok<IReadOnlyList<string>>, ProblemHttpResult>> AdoptDocumentAsync(EvolutionProposal proposal, HttpContext context, IHormoneStore hormones, ILogger<EvolutionProposal> logger, CancellationToken cancellationToken) =>
        AdoptAsync(proposal, "a proposal document", context, hormones, logger, cancellationToken);

    private static async Task<Results<Ok<IReadOnlyList<string>>, ProblemHttpResult>> AdoptAsync(EvolutionProposal? proposal, string source, HttpContext context, IHormoneStore store, ILogger logger, CancellationToken cancellationToken)
    {
        if (proposal?.Hormones is not { Count: > 0 })
        {
            return TypedResults.Problem("the proposal has no hormones", statusCode: StatusCodes.Status400BadRequest);
        }

        var invalid = proposal.Hormones
            .Where(p => p.Value is null || p.Key.Split('→') is not [{ Length: > 0 }, { Length: > 0 }] || p.Value.Validate().Count > 0)
            .Select(p => p.Value is null ? $"{p.Key} (no hormones)" : p.Value.Validate() is { Count: > 0 } errors ? $"{p.Key} ({string.Join("; ", errors)})" : $"{p.Key} (not cell→target)")
            .ToList();
        if (invalid.Count > 0)
        {
            return TypedResults.Problem($"invalid pathways or hormones in the proposal: {string.Join(", ", invalid)}", statusCode: StatusCodes.Status400BadRequest);
        }

        // The values come from the evolution; the decision to put them in force is the operator's, named in the reason.
        var name = OperatorEndpointExtensions.OperatorOf(context) ?? "?";
        var origin = new HormoneOrigin("cortex evolution", $"adopted the evolved static policy of {source} (operator {name})");
        foreach (var (pathway, h) in proposal.Hormones)
        {
            var parts = pathway.Split('→', 2);
            await store.WriteAsync(parts[0], parts[1], [.. Hormones.Select(p => (JsonNamingPolicy.CamelCase.ConvertName(p.Name), Text(p.GetValue(h))))], origin, cancellationToken);
        }

        Log.Adopted(logger, name, source, proposal.Hormones.Count);

        return TypedResults.Ok<IReadOnlyList<string>>([.. proposal.Hormones.Keys.Order(StringComparer.Ordinal)]);
    }

    private static async Task<(EvolutionProposal? Proposal, EvolutionRunning? Running, ProblemHttpResult? Problem)> ReadAsync(string instanceId, IDaprWorkflowClient workflows, CancellationToken cancellationToken)
    {
        var state = await workflows.GetWorkflowStateAsync(instanceId, true, cancellationToken);
        if (state is null || !state.Exists)
        {
            return (null, null, TypedResults.Problem($"no evolution '{instanceId}'", statusCode: StatusCodes.Status404NotFound));
        }

        if (state.RuntimeStatus is WorkflowRuntimeStatus.Failed or WorkflowRuntimeStatus.Terminated)
        {
            return (null, null, TypedResults.Problem($"evolution '{instanceId}' ended {state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}", statusCode: StatusCodes.Status409Conflict));
        }

        return state.RuntimeStatus == WorkflowRuntimeStatus.Completed
            ? (state.ReadOutputAs<EvolutionProposal>(), null, null)
            : (null, new EvolutionRunning(instanceId, state.RuntimeStatus.ToString(), state.ReadCustomStatusAs<EvolutionProgress>()), null);
    }

    private static string Text(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? string.Empty,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 650, Level = LogLevel.Warning, Message = "Evolution: operator {Operator} started evolution {InstanceId}")]
        public static partial void Started(ILogger logger, string @operator, string instanceId);

        [LoggerMessage(EventId = 651, Level = LogLevel.Warning, Message = "Evolution: operator {Operator} adopted the evolved static policy of {Source} ({Pathways} pathways)")]
        public static partial void Adopted(ILogger logger, string @operator, string source, int pathways);
    }
}
