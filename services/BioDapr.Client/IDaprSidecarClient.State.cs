namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>Reads a value (<c>GET /v1.0/state/{store}/{key}</c>); default when the key does not exist (204).</summary>
    Task<T?> GetStateAsync<T>(string storeName, string key, StateConsistencyMode consistency = StateConsistencyMode.Unspecified, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a value with its ETag and <c>metadata.*</c> response headers; null when the key does not exist.</summary>
    Task<StateEntry<T?>?> GetStateEntryAsync<T>(string storeName, string key, StateConsistencyMode consistency = StateConsistencyMode.Unspecified, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the stored bytes as they are, with ETag and metadata; null when the key does not exist.</summary>
    Task<StateEntry<ReadOnlyMemory<byte>>?> GetStateRawAsync(string storeName, string key, StateConsistencyMode consistency = StateConsistencyMode.Unspecified, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves one value (<c>POST /v1.0/state/{store}</c> with a one-item array). With an ETag that does not
    /// match, throws <see cref="DaprApiException"/> with status 409; see <see cref="TrySaveStateAsync"/>.
    /// </summary>
    Task SaveStateAsync<T>(string storeName, string key, T value, string? etag = null, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Saves one value guarded by <paramref name="etag"/>; false when the ETag did not match (409).</summary>
    Task<bool> TrySaveStateAsync<T>(string storeName, string key, T value, string etag, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves several values in one request. <paramref name="metadata"/> goes in the query and daprd merges
    /// it into every item. Not atomic; use <see cref="ExecuteStateTransactionAsync"/> for that.
    /// </summary>
    Task SaveStatesAsync(string storeName, IReadOnlyList<SaveStateItem> items, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a key (<c>DELETE /v1.0/state/{store}/{key}</c>; the ETag goes in <c>If-Match</c>, concurrency and
    /// consistency in the query). A mismatching ETag throws <see cref="DaprApiException"/> with status 409.
    /// </summary>
    Task DeleteStateAsync(string storeName, string key, string? etag = null, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key guarded by <paramref name="etag"/>; false when the ETag did not match (409).</summary>
    Task<bool> TryDeleteStateAsync(string storeName, string key, string etag, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Reads several keys (<c>POST /v1.0/state/{store}/bulk</c>); missing keys come back without data.</summary>
    /// <param name="storeName">The state store.</param>
    /// <param name="keys">The keys.</param>
    /// <param name="parallelism">How many reads daprd runs at once; 0 leaves it to daprd.</param>
    /// <param name="metadata">Request metadata applied to every read.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<IReadOnlyList<BulkStateItem>> GetBulkStateAsync(string storeName, IReadOnlyList<string> keys, int parallelism = 0, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Reads several keys and deserializes each value.</summary>
    /// <param name="storeName">The state store.</param>
    /// <param name="keys">The keys.</param>
    /// <param name="parallelism">How many reads daprd runs at once; 0 leaves it to daprd.</param>
    /// <param name="metadata">Request metadata applied to every read.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<IReadOnlyList<BulkStateItem<T>>> GetBulkStateAsync<T>(string storeName, IReadOnlyList<string> keys, int parallelism = 0, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies upserts and deletes in one transaction (<c>POST /v1.0/state/{store}/transaction</c>). Any
    /// failure, an ETag mismatch included, comes back from daprd as 500 <c>ERR_STATE_TRANSACTION</c>.
    /// </summary>
    Task ExecuteStateTransactionAsync(string storeName, IReadOnlyList<StateTransactionOperation> operations, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
