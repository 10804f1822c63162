using BioDapr.Cell.Immune;
using BioDapr.Cortex.Scaling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cortex.Apis;

/// <summary>
/// The desired replicas per cell, for the KEDA <c>metrics-api</c> scale rule of each container app
/// (infra/modules/containerApp.bicep): <c>GET /scaling/{appId}</c> answers <c>{"appId", "replicas", "source"}</c>.
/// </summary>
public static class ScalingApi
{
    /// <summary>Maps <c>GET /scaling</c> and <c>GET /scaling/{appId}</c> on the public port.</summary>
    public static IEndpointRouteBuilder MapScalingApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/scaling", All).WithName("CortexDesiredReplicas").WithTags("Scaling").PublicApi();
        routes.MapGet("/scaling/{appId}", One).WithName("CortexDesiredReplicasOfCell").WithTags("Scaling").PublicApi();
        return routes;
    }

    /// <summary>Every cell's desired replicas.</summary>
    public static Ok<DesiredReplicas[]> All(IDesiredReplicasSource source) =>
        TypedResults.Ok(source.Cells.Select(source.Find).OfType<DesiredReplicas>().ToArray());

    /// <summary>One cell's desired replicas; 404 (ProblemDetails) for a cell the source does not know.</summary>
    public static Results<Ok<DesiredReplicas>, ProblemHttpResult> One(string appId, IDesiredReplicasSource source) =>
        source.Find(appId) is { } desired
            ? TypedResults.Ok(desired)
            : TypedResults.Problem(
                $"no desired replicas for '{appId}': the cortex scales {string.Join(", ", source.Cells)} (Cortex:Scaling:Cells)",
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown cell");
}
