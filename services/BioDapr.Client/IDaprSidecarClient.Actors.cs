namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>
    /// Calls <c>/v1.0/actors/{type}/{id}/method/{method}</c> with PUT and returns the response whatever its
    /// status (the caller disposes it). <paramref name="reentrancyId"/>, when given, is sent as
    /// <c>Dapr-Reentrancy-Id</c> so a call made inside an actor turn can re-enter the chain.
    /// </summary>
    Task<HttpResponseMessage> InvokeActorMethodWithResponseAsync(string actorType, string actorId, string method, HttpContent? content, string? reentrancyId = null, CancellationToken cancellationToken = default);

    /// <summary>Calls an actor method with a JSON body and reads the JSON answer; non-success throws <see cref="DaprApiException"/>.</summary>
    Task<TResponse?> InvokeActorMethodAsync<TRequest, TResponse>(string actorType, string actorId, string method, TRequest data, CancellationToken cancellationToken = default);

    /// <summary>Calls an actor method without a body and reads the JSON answer; non-success throws.</summary>
    Task<TResponse?> InvokeActorMethodAsync<TResponse>(string actorType, string actorId, string method, CancellationToken cancellationToken = default);

    /// <summary>Calls an actor method without a body; non-success throws.</summary>
    Task InvokeActorMethodAsync(string actorType, string actorId, string method, CancellationToken cancellationToken = default);

    /// <summary>Reads one key of an actor's state (raw JSON); null when the key is missing (204).</summary>
    Task<ReadOnlyMemory<byte>?> GetActorStateRawAsync(string actorType, string actorId, string key, CancellationToken cancellationToken = default);

    /// <summary>Reads one key of an actor's state as <typeparamref name="T"/>; default when missing.</summary>
    Task<T?> GetActorStateAsync<T>(string actorType, string actorId, string key, CancellationToken cancellationToken = default);

    /// <summary>Applies state changes of an actor active on this sidecar in one transaction (daprd answers 400 "actor instance is missing" otherwise).</summary>
    Task ExecuteActorStateTransactionAsync(string actorType, string actorId, IReadOnlyList<ActorStateOperation> operations, CancellationToken cancellationToken = default);

    /// <summary>Registers (or replaces) a persisted reminder; only for types this app hosts (403 otherwise).</summary>
    Task RegisterActorReminderAsync(string actorType, string actorId, string name, ActorReminder reminder, CancellationToken cancellationToken = default);

    /// <summary>Reads a reminder; null when it does not exist.</summary>
    Task<ActorReminderInfo?> GetActorReminderAsync(string actorType, string actorId, string name, CancellationToken cancellationToken = default);

    /// <summary>Removes a reminder (removing a missing one succeeds).</summary>
    Task UnregisterActorReminderAsync(string actorType, string actorId, string name, CancellationToken cancellationToken = default);

    /// <summary>Starts (or replaces) a timer on an actor of a type this app hosts.</summary>
    Task RegisterActorTimerAsync(string actorType, string actorId, string name, ActorTimer timer, CancellationToken cancellationToken = default);

    /// <summary>Stops a timer.</summary>
    Task UnregisterActorTimerAsync(string actorType, string actorId, string name, CancellationToken cancellationToken = default);
}
