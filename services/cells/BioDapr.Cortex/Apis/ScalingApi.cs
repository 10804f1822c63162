using BioDapr.Cell.Immune;
using BioDapr.Cortex.Operators;
using BioDapr.Cortex.Scaling;
using BioDapr.Scaling.Live;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cortex.Apis;

/// <summary>
/// The desired replicas per cell, for the KEDA <c>metrics-api</c> scale rule of each container app
/// (infra/modules/containerApp.bicep): <c>GET /scaling/{appId}</c> answers <c>{"appId", "replicas", "source"}</c>.
/// <c>PUT /scaling/{appId}/history</c> (an operator action) gives the live loop a cell's arrival history and measured
/// cold start (<see cref="HistorySeed"/>).
/// </summary>
public static partial class ScalingApi
{
    /// <summary>Maps <c>GET /scaling</c> and <c>GET /scaling/{appId}</c> on the public port.</summary>
    public static IEndpointRouteBuilder MapScalingApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/scaling", All).WithName("CortexDesiredReplicas").WithTags("Scaling").PublicApi();
        routes.MapGet("/scaling/{appId}", One).WithName("CortexDesiredReplicasOfCell").WithTags("Scaling").PublicApi();
        routes.MapPut("/scaling/{appId}/history", SeedHistory).WithName("CortexSeedCellHistory").WithTags("Scaling").PublicApi().RequireOperator("seeding a cell's arrival history");
        return routes;
    }

    /// <summary>
    /// Seeds <paramref name="appId"/>'s arrival history (and cold start) into the live scaling loop: 200 with what was
    /// taken; 400 for a bad body (named); 404 for a cell the loop does not decide for; 409 while the loop is off.
    /// </summary>
    public static Results<Ok<SeedResult>, ProblemHttpResult> SeedHistory(string appId, HistorySeed? seed, HttpContext context, IServiceProvider services, ILogger<ForecastScaling> logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<ForecastScaling>() is not { } scaling)
        {
            return TypedResults.Problem("the live scaling loop is off (Cortex:Scaling:Enabled is false): there is no forecaster to seed", statusCode: StatusCodes.Status409Conflict, title: "Scaling loop off");
        }

        if (!scaling.Decides(appId))
        {
            return TypedResults.Problem($"the scaling loop does not decide for '{appId}' (Cortex:Scaling:Cells)", statusCode: StatusCodes.Status404NotFound, title: "Unknown cell");
        }

        if (seed is not { FirstBucket: { } first, Arrivals: { } arrivals })
        {
            return TypedResults.Problem("the body must be {\"firstBucket\": \"<ISO 8601 time>\", \"arrivals\": [<count per bucket>...], \"phase\"?: <bucket of the season>, \"coldStartSeconds\"?: <seconds>}", statusCode: StatusCodes.Status400BadRequest, title: "Invalid history");
        }

        if (seed.ColdStartSeconds is { } cold && (!double.IsFinite(cold) || cold < 0 || cold > 3600))
        {
            return TypedResults.Problem($"coldStartSeconds must be 0 to 3600, got {cold}", statusCode: StatusCodes.Status400BadRequest, title: "Invalid history");
        }

        try
        {
            var result = scaling.Seed(appId, first, arrivals, seed.Phase, seed.ColdStartSeconds is { } c ? TimeSpan.FromSeconds(c) : null);
            Log.Seeded(logger, OperatorEndpointExtensions.OperatorOf(context) ?? "?", appId, result.Buckets, result.ForecasterKept);
            return TypedResults.Ok(result);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message.Split(" (Parameter", 2)[0], statusCode: StatusCodes.Status400BadRequest, title: "Invalid history");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 645, Level = LogLevel.Warning, Message = "Forecast scaling: operator {Operator} seeded {Cell}'s history ({Buckets} buckets; forecaster kept: {Kept})")]
        public static partial void Seeded(ILogger logger, string @operator, string cell, int buckets, bool kept);
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
