using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Actors;

/// <summary>
/// The endpoints daprd calls on an actor host, with Dapr's status semantics: exactly 200 is success;
/// 404 means "no such actor method" (daprd does not retry it); an actor's exception is answered 500
/// with <c>X-DaprErrorResponseHeader</c>, so daprd hands the status and body back to the caller.
/// </summary>
public static partial class ActorEndpoints
{
    private const string ErrorResponseHeader = "X-DaprErrorResponseHeader";
    private const string ReentrancyHeader = "Dapr-Reentrancy-Id";

    /// <summary>Maps <c>GET /dapr/config</c> and the <c>/actors/…</c> callbacks (done by <c>MapCellDefaultEndpoints</c> when actors are registered).</summary>
    public static IEndpointRouteBuilder MapActorEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/dapr/config", (ActorActivations actors) => Results.Bytes(actors.ConfigJson(), "application/json")).ExcludeFromDescription();
        endpoints.MapPut("/actors/{actorType}/{actorId}/method/remind/{name}", (HttpContext context, string actorType, string actorId, string name, ActorActivations actors) =>
            RunAsync(context, actorType, actors, async body =>
            {
                await actors.ReceiveReminderAsync(actorType, actorId, name, body, context.RequestAborted);
                return null;
            })).ExcludeFromDescription();
        endpoints.MapPut("/actors/{actorType}/{actorId}/method/timer/{name}", (HttpContext context, string actorType, string actorId, string name, ActorActivations actors) =>
            RunAsync(context, actorType, actors, async body =>
            {
                await actors.ReceiveTimerAsync(actorType, actorId, name, body, context.RequestAborted);
                return null;
            })).ExcludeFromDescription();
        endpoints.MapPut("/actors/{actorType}/{actorId}/method/{method}", (HttpContext context, string actorType, string actorId, string method, ActorActivations actors) =>
            RunAsync(context, actorType, actors, body => actors.InvokeMethodAsync(actorType, actorId, method, body, context.Request.Headers[ReentrancyHeader].FirstOrDefault(), context.RequestAborted)))
            .ExcludeFromDescription();
        endpoints.MapDelete("/actors/{actorType}/{actorId}", (HttpContext context, string actorType, string actorId, ActorActivations actors) =>
            RunAsync(context, actorType, actors, async _ =>
            {
                await actors.DeactivateAsync(actorType, actorId, context.RequestAborted);
                return null;
            })).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task RunAsync(HttpContext context, string actorType, ActorActivations actors, Func<ReadOnlyMemory<byte>, Task<byte[]?>> turn)
    {
        var response = context.Response;
        if (!actors.Hosts(actorType))
        {
            await WriteErrorAsync(response, StatusCodes.Status404NotFound, $"actor type {actorType} is not hosted by this app", withErrorHeader: false);
            return;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        try
        {
            var result = await turn(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            response.StatusCode = StatusCodes.Status200OK;
            if (result is not null)
            {
                response.ContentType = "application/json";
                await response.Body.WriteAsync(result, context.RequestAborted);
            }
        }
        catch (ActorMethodNotFoundException ex)
        {
            await WriteErrorAsync(response, StatusCodes.Status404NotFound, ex.Message, withErrorHeader: false);
        }
        catch (ActorArgumentException ex)
        {
            await WriteErrorAsync(response, StatusCodes.Status400BadRequest, ex.Message, withErrorHeader: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("BioDapr.Cell.Actors");
            Log.TurnFailed(logger, context.Request.Path, ex);
            await WriteErrorAsync(response, StatusCodes.Status500InternalServerError, $"{ex.GetType().Name}: {ex.Message}", withErrorHeader: true);
        }
    }

    private static Task WriteErrorAsync(HttpResponse response, int status, string message, bool withErrorHeader)
    {
        response.StatusCode = status;
        if (withErrorHeader)
        {
            response.Headers[ErrorResponseHeader] = "true";
        }

        return response.WriteAsJsonAsync(new { message });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Actor turn {Path} failed")]
        public static partial void TurnFailed(ILogger logger, string path, Exception exception);
    }
}
