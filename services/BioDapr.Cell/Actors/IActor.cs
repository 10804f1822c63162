namespace BioDapr.Cell.Actors;

/// <summary>
/// Marks an actor interface: the methods other cells call through <see cref="IActorProxyFactory"/>.
/// Every method returns <see cref="Task"/> or <see cref="Task{TResult}"/> and takes at most one data
/// argument (sent as JSON) plus an optional <see cref="CancellationToken"/>; the method name is the
/// Dapr actor method name.
/// </summary>
public interface IActor;

/// <summary>An actor that receives persisted reminders (<c>PUT /actors/{type}/{id}/method/remind/{name}</c>).</summary>
public interface IRemindable
{
    /// <summary>Handles a reminder firing. <paramref name="data"/> is the JSON registered with it, or null.</summary>
    Task ReceiveReminderAsync(string reminderName, System.Text.Json.JsonElement? data, CancellationToken cancellationToken);
}
