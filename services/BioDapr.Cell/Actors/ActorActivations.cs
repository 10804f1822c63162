using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using BioDapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Actors;

/// <summary>
/// The app side of Dapr's actor protocol: the active instances of the hosted types, created lazily on the
/// first callback for an id (Dapr has no activate callback) and removed on the sidecar's deactivate call.
/// Turns are serialized by the sidecar; the SDK runs each one, then saves its state changes in one transaction.
/// </summary>
internal sealed partial class ActorActivations(
    IOptions<ActorOptions> options,
    IServiceProvider services,
    IDaprSidecarClient client,
    IActorProxyFactory proxies,
    ActorJson json,
    ILogger<ActorActivations> logger)
{
    private readonly ConcurrentDictionary<(string Type, string Id), Lazy<Task<Actor>>> _active = new();
    private readonly Dictionary<string, ActorRegistration> _types = options.Value.Registrations.ToDictionary(r => r.ActorType, StringComparer.Ordinal);

    /// <summary>Active actors (for tests and diagnostics).</summary>
    public int ActiveCount => _active.Count;

    public bool Hosts(string actorType) => _types.ContainsKey(actorType);

    /// <summary>The <c>GET /dapr/config</c> body.</summary>
    public byte[] ConfigJson()
    {
        var value = options.Value;
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["entities"] = _types.Keys.ToArray(),
            ["actorIdleTimeout"] = Client.Protocol.GoDuration.Format(value.IdleTimeout),
            ["drainOngoingCallTimeout"] = Client.Protocol.GoDuration.Format(value.DrainOngoingCallTimeout),
            ["drainRebalancedActors"] = value.DrainRebalancedActors,
            ["reentrancy"] = new Dictionary<string, object> { ["enabled"] = value.ReentrancyEnabled, ["maxStackDepth"] = value.ReentrancyMaxStackDepth },
        });
    }

    /// <summary>Runs a method turn; returns the JSON result (null for none).</summary>
    public Task<byte[]?> InvokeMethodAsync(string actorType, string actorId, string method, ReadOnlyMemory<byte> body, string? reentrancyId, CancellationToken cancellationToken)
    {
        var registration = _types[actorType];
        if (!registration.Methods.TryGet(method, out var target))
        {
            throw new ActorMethodNotFoundException($"actor type {actorType} has no method '{method}'");
        }

        return RunTurnAsync(actorType, actorId, reentrancyId, actor => target.InvokeAsync(actor, body, json.Options, cancellationToken), cancellationToken);
    }

    /// <summary>Runs a reminder turn (<c>{"data":…,"dueTime":"","period":""}</c>).</summary>
    public Task ReceiveReminderAsync(string actorType, string actorId, string name, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var data = DataOf(body);
        return RunTurnAsync<byte[]?>(actorType, actorId, null, async actor =>
        {
            if (actor is not IRemindable remindable)
            {
                throw new ActorMethodNotFoundException($"actor type {actorType} received reminder '{name}' but does not implement IRemindable");
            }

            await remindable.ReceiveReminderAsync(name, data, cancellationToken).ConfigureAwait(false);
            return null;
        }, cancellationToken);
    }

    /// <summary>Runs a timer turn (<c>{"callback":…,"data":…,"dueTime":…,"period":…}</c>): calls the callback method by name.</summary>
    public Task ReceiveTimerAsync(string actorType, string actorId, string name, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var data = DataOf(body);
        var callback = CallbackOf(body) is { Length: > 0 } named ? named : name;
        var implementation = _types[actorType].Implementation;
        var method = implementation.GetMethod(callback, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new ActorMethodNotFoundException($"actor type {actorType} has no timer callback '{callback}'");
        return RunTurnAsync<byte[]?>(actorType, actorId, null, async actor =>
        {
            var parameters = method.GetParameters();
            object?[] arguments = parameters.Length switch
            {
                0 => [],
                1 when parameters[0].ParameterType == typeof(JsonElement?) => [data],
                2 when parameters[0].ParameterType == typeof(JsonElement?) && parameters[1].ParameterType == typeof(CancellationToken) => [data, cancellationToken],
                _ => throw new InvalidOperationException($"timer callback {implementation.Name}.{callback} must be Task(), Task(JsonElement?) or Task(JsonElement?, CancellationToken)"),
            };
            if (method.Invoke(actor, arguments) is Task task)
            {
                await task.ConfigureAwait(false);
            }

            return null;
        }, cancellationToken);
    }

    /// <summary>Deactivates an actor (after its last turn; the sidecar waits for it). Unknown ids succeed.</summary>
    public async Task DeactivateAsync(string actorType, string actorId, CancellationToken cancellationToken)
    {
        if (!_active.TryRemove((actorType, actorId), out var activation))
        {
            return;
        }

        var actor = await activation.Value.ConfigureAwait(false);
        await actor.OnDeactivateAsync(cancellationToken).ConfigureAwait(false);
        Log.Deactivated(logger, actorType, actorId);
    }

    private async Task<T> RunTurnAsync<T>(string actorType, string actorId, string? reentrancyId, Func<Actor, Task<T>> turn, CancellationToken cancellationToken)
    {
        var actor = await ActivateAsync(actorType, actorId, cancellationToken).ConfigureAwait(false);
        var state = (ActorStateManager)actor.StateManager;
        var previous = ActorTurnContext.ReentrancyId;
        ActorTurnContext.ReentrancyId = reentrancyId;
        try
        {
            var result = await turn(actor).ConfigureAwait(false);
            await state.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch
        {
            // A failed turn saves nothing; the next one reads the store again.
            state.DiscardChanges();
            throw;
        }
        finally
        {
            ActorTurnContext.ReentrancyId = previous;
        }
    }

    private async Task<Actor> ActivateAsync(string actorType, string actorId, CancellationToken cancellationToken)
    {
        var registration = _types[actorType];
        var activation = _active.GetOrAdd((actorType, actorId), key => new Lazy<Task<Actor>>(async () =>
        {
            var actor = (Actor)ActivatorUtilities.CreateInstance(services, registration.Implementation);
            actor.Initialize(new ActorContext(key.Type, key.Id, new ActorStateManager(key.Type, key.Id, client, json.Options), client, proxies));
            await actor.OnActivateAsync(cancellationToken).ConfigureAwait(false);
            Log.Activated(logger, key.Type, key.Id);
            return actor;
        }));
        try
        {
            return await activation.Value.ConfigureAwait(false);
        }
        catch
        {
            _active.TryRemove(new KeyValuePair<(string, string), Lazy<Task<Actor>>>((actorType, actorId), activation));
            throw;
        }
    }

    private static JsonElement? DataOf(ReadOnlyMemory<byte> body) => Field(body, "data");

    private static string? CallbackOf(ReadOnlyMemory<byte> body) =>
        Field(body, "callback") is { ValueKind: JsonValueKind.String } callback ? callback.GetString() : null;

    private static JsonElement? Field(ReadOnlyMemory<byte> body, string name)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
                ? value.Clone()
                : null;
        }
        catch (JsonException ex)
        {
            throw new ActorArgumentException($"the sidecar's callback body is not valid JSON: {ex.Message}", ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Activated actor {Type}/{Id}")]
        public static partial void Activated(ILogger logger, string type, string id);

        [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "Deactivated actor {Type}/{Id}")]
        public static partial void Deactivated(ILogger logger, string type, string id);
    }
}

/// <summary>The sidecar called a method, reminder or timer callback the actor type does not have.</summary>
internal sealed class ActorMethodNotFoundException(string message) : Exception(message);

/// <summary>The JSON options actor arguments, results and state use (web defaults).</summary>
internal sealed class ActorJson
{
    public JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
