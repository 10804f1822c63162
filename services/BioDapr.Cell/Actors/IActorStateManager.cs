namespace BioDapr.Cell.Actors;

/// <summary>
/// An actor's state (Dapr actor state: keys under the actor in the store marked
/// <c>actorStateStore: "true"</c>). Reads are cached for the activation; writes are kept until the turn
/// ends and then saved in one transaction, so a turn that throws saves nothing.
/// </summary>
public interface IActorStateManager
{
    /// <summary>Reads a key; throws <see cref="KeyNotFoundException"/> when it does not exist.</summary>
    Task<T> GetStateAsync<T>(string name, CancellationToken cancellationToken = default);

    /// <summary>Reads a key; (false, default) when it does not exist.</summary>
    Task<(bool Found, T? Value)> TryGetStateAsync<T>(string name, CancellationToken cancellationToken = default);

    /// <summary>Reads a key, or returns <paramref name="fallback"/> when it does not exist.</summary>
    Task<T> GetStateOrDefaultAsync<T>(string name, T fallback, CancellationToken cancellationToken = default);

    /// <summary>Whether a key exists.</summary>
    Task<bool> ContainsStateAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Sets a key (saved when the turn ends).</summary>
    Task SetStateAsync<T>(string name, T value, CancellationToken cancellationToken = default);

    /// <summary>Removes a key (saved when the turn ends); false when it did not exist.</summary>
    Task<bool> TryRemoveStateAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Saves the pending changes now (the runtime also does this at the end of every turn).</summary>
    Task SaveStateAsync(CancellationToken cancellationToken = default);
}
