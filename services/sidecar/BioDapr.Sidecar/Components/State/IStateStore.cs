namespace BioDapr.Sidecar.Components.State;

/// <summary>
/// A state store component (<c>state.*</c>). Keys reaching a store are already prefixed by the runtime
/// (<c>appid||key</c> by default); values are the JSON bytes of the request's <c>value</c>.
/// </summary>
internal interface IStateStore : IComponent
{
    /// <summary>What the store supports.</summary>
    StateStoreFeatures Features { get; }

    /// <summary>Reads one key; null when it does not exist.</summary>
    Task<StateItem?> GetAsync(string key, StateGetOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Writes one key. Throws <see cref="StateETagMismatchException"/> when the ETag does not match (or
    /// first-write finds an existing key) and <see cref="StateETagInvalidException"/> when the ETag is malformed.
    /// </summary>
    Task SetAsync(StateSetRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes one key; same ETag rules as <see cref="SetAsync"/>. Deleting a missing key without an ETag succeeds.</summary>
    Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Applies all operations atomically where the store can (Redis: MULTI/EXEC of the same scripts).
    /// Any failure throws; the runtime answers 500 <c>ERR_STATE_TRANSACTION</c>.
    /// </summary>
    Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);
}

/// <summary>Features a state store reports (Dapr's feature names).</summary>
[Flags]
internal enum StateStoreFeatures
{
    None = 0,
    ETag = 1,
    Transactional = 2,
    Ttl = 4,
    KeysLike = 8,
}
