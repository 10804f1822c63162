using System.Collections.Concurrent;
using BioDapr.Cell.Events;
using BioDapr.Cell.Immune;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using BioDapr.Control.Guardrails;
using BioDapr.Cortex.Agents;
using BioDapr.Cortex.Dashboard;
using BioDapr.Cortex.Scaling;
using Dapr;
using Dapr.Actors;
using Dapr.Actors.Client;
using Microsoft.AspNetCore.Http.HttpResults;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cortex.Apis;

/// <summary>The cortex's endpoints: the vitals subscription, status, and the audit trail.</summary>
public static partial class CortexApi
{
    /// <summary>Maps <c>POST /events/vitals</c> (topic <c>vitals</c>), <c>GET /status</c>, <c>GET /pathways</c> and <c>GET /pathways/{cell}/{target}/audit</c>.</summary>
    public static IEndpointRouteBuilder MapCortexApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/events/vitals", OnVitalsAsync).WithTopic(Topics.VitalsPubSub, Topics.Vitals).ExcludeFromDescription();
        // Read-only operator endpoints: served on the public port (PUBLIC_PORT), not on the sidecar's app port.
        routes.MapGet("/status", Status).WithName("CortexStatus").PublicApi();
        routes.MapGet("/pathways", (PathwayDirectory pathways) => TypedResults.Ok(pathways.Known)).WithName("CortexPathways").PublicApi();
        routes.MapGet("/pathways/{cell}/{target}/audit", AuditAsync).WithName("CortexAudit").PublicApi();
        return routes;
    }

    /// <summary>
    /// Hands each pathway window to its actor. A window that cannot be decided on is dropped (DROP):
    /// vitals are perishable, the next window (one second later) supersedes it, and a redelivered stale
    /// window would make the agent act on the past.
    /// </summary>
    internal static async Task<Ok<TopicResponse>> OnVitalsAsync(VitalsReported vitals, CloudEventAttributes cloudEvent, IActorProxyFactory proxies, PathwayDirectory pathways, OrganismView page, ScalingVitals scaling, ILogger<PathwayDirectory> logger)
    {
        if (vitals is not { Cell: { Length: > 0 } cell, Windows: { } windows })
        {
            Log.Malformed(logger, cloudEvent.Id);
            return TopicResults.Drop();
        }

        page.Record(vitals);
        scaling.Observe(vitals);
        var failed = 0;
        foreach (var window in windows.Where(w => w is { Kind: VitalsKind.Pathway } && !string.IsNullOrWhiteSpace(w.Name)))
        {
            var id = PathwayAgentActor.IdOf(cell, window.Name);
            pathways.Seen(cell, window.Name, window.Limit, window.End);
            try
            {
                await proxies.CreateActorProxy<IPathwayAgentActor>(new ActorId(id), PathwayAgentActor.TypeName).DecideAsync(window);
            }
            catch (Exception ex) when (ex is DaprException or ActorMethodInvocationException or HttpRequestException or TaskCanceledException)
            {
                failed++;
                Log.DecisionFailed(logger, id, ex.Message);
            }
        }

        return failed == 0 ? TopicResults.Success() : TopicResults.Drop();
    }

    internal static async Task<Results<Ok<IReadOnlyList<HormoneChange>>, BadRequest<string>>> AuditAsync(string cell, string target, IActorProxyFactory proxies, int? limit)
    {
        if (limit is < 1 or > 10_000)
        {
            return TypedResults.BadRequest("limit must be from 1 to 10000");
        }

        return TypedResults.Ok(await proxies.CreateActorProxy<IPathwayAgentActor>(new ActorId(PathwayAgentActor.IdOf(cell, target)), PathwayAgentActor.TypeName).AuditAsync(limit ?? 100));
    }

    internal static Ok<CortexStatus> Status(CortexBrain brain, PathwayDirectory pathways, TimeProvider time) =>
        TypedResults.Ok(new CortexStatus(
            brain.Frozen() ? "frozen" : "learning",
            brain.Controller,
            brain.PolicyPath,
            brain.Provenance.Seed,
            brain.Provenance.Iterations,
            brain.Safe.Name,
            [.. pathways.Known.Select(p => p.Pathway)],
            time.GetUtcNow()));

    private static partial class Log
    {
        [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Vitals event {Id} has no cell or windows; dropped")]
        public static partial void Malformed(ILogger logger, string id);

        [LoggerMessage(EventId = 611, Level = LogLevel.Warning, Message = "Pathway {Pathway}: no decision on this window ({Reason}); the next window will be used")]
        public static partial void DecisionFailed(ILogger logger, string pathway, string reason);
    }
}

/// <summary>A pathway the cortex has seen, with the concurrency limit its cell last reported in force.</summary>
/// <param name="Pathway">The pathway, <c>cell→target</c>.</param>
/// <param name="ReportedLimit">The limit in the cell's last vitals window (shows whether the cell applied the cortex's hormone).</param>
/// <param name="At">When that window closed.</param>
public sealed record PathwaySighting(string Pathway, int ReportedLimit, DateTimeOffset At);

/// <summary>The pathways the cortex has seen vitals for since it started.</summary>
public sealed class PathwayDirectory
{
    private readonly ConcurrentDictionary<string, PathwaySighting> _known = new(StringComparer.Ordinal);

    /// <summary>Pathways seen, sorted by name.</summary>
    public IReadOnlyList<PathwaySighting> Known => [.. _known.Values.OrderBy(p => p.Pathway, StringComparer.Ordinal)];

    /// <summary>Records a pathway's latest window.</summary>
    public void Seen(string cell, string target, int reportedLimit, DateTimeOffset at)
    {
        var key = cell + "→" + target;
        _known[key] = new PathwaySighting(key, reportedLimit, at);
    }
}

/// <summary>What the cortex reports about itself.</summary>
/// <param name="Mode"><c>learning</c>, or <c>frozen</c> while <c>cortex.freeze</c> is on.</param>
/// <param name="Controller">Who decides (<c>cortex.controller</c>): <c>agent</c> or a classic adaptive limiter.</param>
/// <param name="Policy">The weights file in use.</param>
/// <param name="TrainingSeed">The seed it was trained with.</param>
/// <param name="TrainingIterations">PPO iterations it was trained for.</param>
/// <param name="Fallback">The safe controller the guardrails fall back to.</param>
/// <param name="Pathways">Pathways seen.</param>
/// <param name="At">Now.</param>
public sealed record CortexStatus(string Mode, string Controller, string Policy, int TrainingSeed, int TrainingIterations, string Fallback, IReadOnlyList<string> Pathways, DateTimeOffset At);
