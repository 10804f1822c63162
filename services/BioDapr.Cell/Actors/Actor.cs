using System.Text.Json;
using BioDapr.Client;

namespace BioDapr.Cell.Actors;

/// <summary>
/// Base class of a hosted actor (a Dapr virtual actor: one logical instance per id, activated on first
/// use, deactivated by the sidecar after its idle timeout). The sidecar runs one call per id at a time
/// (turn-based concurrency), so actor code needs no locks. State changes made through
/// <see cref="StateManager"/> are saved in one transaction when the turn ends.
/// </summary>
public abstract class Actor
{
    private ActorContext? _context;

    /// <summary>The actor id.</summary>
    public string Id => Context.Id;

    /// <summary>The Dapr actor type name.</summary>
    public string ActorType => Context.ActorType;

    /// <summary>The actor's state, cached for the activation and saved at the end of each turn.</summary>
    public IActorStateManager StateManager => Context.State;

    /// <summary>Creates proxies for calling other actors; calls made during a turn carry its reentrancy id.</summary>
    protected IActorProxyFactory Proxies => Context.Proxies;

    private ActorContext Context => _context ?? throw new InvalidOperationException("The actor is not initialised yet: use OnActivateAsync, not the constructor, for work that needs the id or state.");

    internal void Initialize(ActorContext context) => _context = context;

    /// <summary>Runs once, before the first call of an activation.</summary>
    protected internal virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the sidecar deactivates the actor (after its last turn).</summary>
    protected internal virtual Task OnDeactivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Registers (or replaces) a persisted reminder; the actor must implement <see cref="IRemindable"/> to receive it.</summary>
    protected Task RegisterReminderAsync(string name, ActorReminder reminder, CancellationToken cancellationToken = default) =>
        Context.Client.RegisterActorReminderAsync(ActorType, Id, name, reminder, cancellationToken);

    /// <summary>Removes a reminder.</summary>
    protected Task UnregisterReminderAsync(string name, CancellationToken cancellationToken = default) =>
        Context.Client.UnregisterActorReminderAsync(ActorType, Id, name, cancellationToken);

    /// <summary>
    /// Starts a timer (not persisted; it stops when the actor deactivates) that calls the method
    /// <paramref name="callback"/> of this actor class: <c>Task Callback()</c> or <c>Task Callback(JsonElement? data)</c>.
    /// </summary>
    protected Task RegisterTimerAsync(string name, string callback, TimeSpan dueTime, TimeSpan period, JsonElement? data = null, CancellationToken cancellationToken = default) =>
        Context.Client.RegisterActorTimerAsync(ActorType, Id, name, new ActorTimer
        {
            Callback = callback,
            DueTime = Client.Protocol.GoDuration.Format(dueTime),
            Period = period > TimeSpan.Zero ? Client.Protocol.GoDuration.Format(period) : string.Empty,
            Data = data,
        }, cancellationToken);

    /// <summary>Stops a timer.</summary>
    protected Task UnregisterTimerAsync(string name, CancellationToken cancellationToken = default) =>
        Context.Client.UnregisterActorTimerAsync(ActorType, Id, name, cancellationToken);
}

/// <summary>What an activation knows about itself.</summary>
internal sealed record ActorContext(string ActorType, string Id, ActorStateManager State, IDaprSidecarClient Client, IActorProxyFactory Proxies);
