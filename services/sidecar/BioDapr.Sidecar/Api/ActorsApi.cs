using System.Text.Json;
using BioDapr.Sidecar.Actors;
using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// The actor API (<c>/v1.0/actors/{type}/{id}/…</c>) with daprd's routes, status codes and error
/// codes: method invocation, state get and transaction, reminders and timers.
/// </summary>
internal sealed class ActorsApi(SidecarRuntime runtime)
{
    /// <summary>Routes <c>rest</c> (the segments after <c>actors</c>); false when no actor route matches.</summary>
    public async Task<bool> RouteAsync(HttpContext context, string method, string[] rest)
    {
        if (rest.Length < 3)
        {
            return false;
        }

        var (type, id, area) = (rest[0], rest[1], rest[2]);
        var isPostOrPut = method == HttpMethods.Post || method == HttpMethods.Put;
        switch (area)
        {
            case "method" when rest.Length == 4 && method is "GET" or "POST" or "PUT" or "DELETE":
                await InvokeAsync(context, type, id, rest[3]);
                return true;
            case "state" when rest.Length == 3 && isPostOrPut:
                await TransactionAsync(context, type, id);
                return true;
            case "state" when rest.Length == 4 && method == HttpMethods.Get:
                await GetStateAsync(context, type, id, rest[3]);
                return true;
            case "reminders" when rest.Length == 4 && isPostOrPut:
                await CreateReminderAsync(context, type, id, rest[3]);
                return true;
            case "reminders" when rest.Length == 4 && method == HttpMethods.Get:
                await GetReminderAsync(context, type, id, rest[3]);
                return true;
            case "reminders" when rest.Length == 4 && method == HttpMethods.Delete:
                await Run(context, actors => actors.Reminders.DeleteAsync(type, id, rest[3], context.RequestAborted));
                return true;
            case "timers" when rest.Length == 4 && isPostOrPut:
                await CreateTimerAsync(context, type, id, rest[3]);
                return true;
            case "timers" when rest.Length == 4 && method == HttpMethods.Delete:
                await Run(context, actors =>
                {
                    actors.Timers.Delete(type, id, rest[3]);
                    return Task.CompletedTask;
                });
                return true;
            default:
                return false;
        }
    }

    private async Task InvokeAsync(HttpContext context, string type, string id, string methodName)
    {
        foreach (var (name, value) in new[] { ("actorType", type), ("actorId", id) })
        {
            if (MethodName.ValidateName(value) is { } invalid)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BadRequest($"invalid {name}: {invalid}"));
                return;
            }
        }

        if (!MethodName.TryNormalize(methodName, out var normalized, out var error))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BadRequest(error));
            return;
        }

        if (Actors() is not { } actors)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ActorRuntimeNotFound());
            return;
        }

        var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);

        using var request = ActorCallHttp.RequestFrom(context.Request, body);
        request.RequestUri = new Uri("http://actor/" + context.Request.QueryString.Value, UriKind.Absolute);
        request.Headers.TryAddWithoutValidation("Dapr-API-Call", "true");
        var reentrancyId = context.Request.Headers[ActorInvoker.ReentrancyHeader].FirstOrDefault();
        try
        {
            var result = await actors.Invoker.InvokeAsync(type, id, normalized, request, reentrancyId, context.RequestAborted);
            await ActorCallHttp.WriteAsync(context.Response, result, context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    private async Task GetStateAsync(HttpContext context, string type, string id, string key)
    {
        if (Actors() is not { } actors)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ActorRuntimeNotFound());
            return;
        }

        StateItem? item;
        try
        {
            item = await actors.State.GetAsync(type, id, key, context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
            return;
        }

        if (item is null || item.Data.IsEmpty)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        foreach (var (name, value) in item.Metadata)
        {
            context.Response.Headers["metadata." + name] = value;
        }

        await ApiHttp.WriteDataAsync(context.Response, StatusCodes.Status200OK, item.Data, "application/json");
    }

    private async Task TransactionAsync(HttpContext context, string type, string id)
    {
        if (Actors() is not { } actors)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ActorRuntimeNotFound());
            return;
        }

        var ttlEnabled = runtime.Configuration.Features.TryGetValue("ActorStateTTL", out var on) && on;
        var operations = new List<StateOperation>();
        try
        {
            var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("the body must be a JSON array of operations");
            }

            foreach (var operation in document.RootElement.EnumerateArray())
            {
                var name = operation.ValueKind == JsonValueKind.Object ? Field(operation, "operation") : null;
                var request = operation.ValueKind == JsonValueKind.Object ? FieldElement(operation, "request") : null;
                if (request is not { ValueKind: JsonValueKind.Object } requestObject)
                {
                    throw new JsonException("every operation needs an \"operation\" and a \"request\" object");
                }

                var item = StateRequestParser.Parse(requestObject);
                if (item.Key.Length == 0)
                {
                    throw new JsonException("\"key\" is a required field of every request");
                }

                var metadata = item.Metadata ?? [];
                if (metadata.ContainsKey("ttlInSeconds") && !ttlEnabled)
                {
                    throw new DaprApiException(DaprErrors.ActorStateTransaction("ttlInSeconds is not supported without the \"ActorStateTTL\" feature enabled"));
                }

                var key = actors.State.StateKey(type, id, item.Key);
                operations.Add(name switch
                {
                    "upsert" => StateOperation.Upsert(new StateSetRequest(key, item.Value, item.ETag, StateConcurrency.Unspecified, StateConsistency.Unspecified, metadata)),
                    "delete" => StateOperation.Remove(new StateDeleteRequest(key, item.ETag, StateConcurrency.Unspecified, StateConsistency.Unspecified, metadata)),
                    _ => throw new DaprApiException(DaprErrors.ActorStateTransaction($"operation type {name} not supported")),
                });
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequest(ex.Message));
            return;
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
            return;
        }

        await Run(context, a => a.State.TransactionAsync(type, id, operations, context.RequestAborted));
    }

    private async Task CreateReminderAsync(HttpContext context, string type, string id, string name)
    {
        if (await ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (MethodName.ValidateName(name) is { } invalid)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BadRequest(invalid));
            return;
        }

        await Run(context, actors => actors.Reminders.CreateAsync(type, id, name, body, context.RequestAborted));
    }

    private async Task GetReminderAsync(HttpContext context, string type, string id, string name)
    {
        if (Actors() is not { } actors)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ActorRuntimeNotFound());
            return;
        }

        ReminderRecord? reminder;
        try
        {
            reminder = await actors.Reminders.GetAsync(type, id, name, context.RequestAborted);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
            return;
        }

        if (reminder is null)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ActorReminderNotFound(name));
            return;
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("actorID", reminder.ActorId);
            writer.WriteString("actorType", reminder.ActorType);
            if (reminder.Data is { } data)
            {
                writer.WritePropertyName("data");
                data.WriteTo(writer);
            }

            if (reminder.DueTime.Length > 0)
            {
                writer.WriteString("dueTime", reminder.DueTime);
            }

            if (reminder.SchedulePeriod is { } period)
            {
                // The Scheduler reports the job schedule.
                writer.WriteString("period", period);
            }

            if (reminder.Expiration is { } ttl)
            {
                writer.WriteString("ttl", ttl);
            }

            writer.WriteEndObject();
        });
    }

    private async Task CreateTimerAsync(HttpContext context, string type, string id, string name)
    {
        if (await ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (MethodName.ValidateName(name) is { } invalid)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BadRequest(invalid));
            return;
        }

        await Run(context, actors =>
        {
            actors.Timers.Create(type, id, name, body);
            return Task.CompletedTask;
        });
    }

    private async Task<JsonElement?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            var bytes = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            using var document = JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the body must be a JSON object");
            }

            return document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is JsonException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequest(ex.Message));
            return null;
        }
    }

    private async Task Run(HttpContext context, Func<ActorRuntime, Task> action)
    {
        if (Actors() is not { } actors)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ActorRuntimeNotFound());
            return;
        }

        try
        {
            await action(actors);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    // Without an actor state store daprd has no actor runtime: every actor API answers ERR_ACTOR_RUNTIME_NOT_FOUND.
    private ActorRuntime? Actors() => runtime.Components.ActorStateStore is null ? null : runtime.Actors;

    private static string? Field(JsonElement element, string name) =>
        FieldElement(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static JsonElement? FieldElement(JsonElement element, string name) =>
        element.EnumerateObject().Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).LastOrDefault();
}
