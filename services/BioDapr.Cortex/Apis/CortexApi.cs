using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cortex.Apis;

/// <summary>The cortex's status endpoint. The learning controller arrives with its own issue; this cell holds its place in the organism.</summary>
public static class CortexApi
{
    /// <summary>Maps <c>GET /status</c>.</summary>
    public static IEndpointRouteBuilder MapCortexApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/status", Status).WithName("CortexStatus");
        return routes;
    }

    internal static Ok<CortexStatus> Status(TimeProvider time) =>
        TypedResults.Ok(new CortexStatus("placeholder", typeof(CortexApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev", time.GetUtcNow()));
}

/// <summary>What the cortex reports about itself.</summary>
public sealed record CortexStatus(string Mode, string Version, DateTimeOffset At);
