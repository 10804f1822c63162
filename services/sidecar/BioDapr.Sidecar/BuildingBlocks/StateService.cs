using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>
/// The state building block (memory): store lookup, key prefixing, the component's outbound
/// resiliency policy, ETag and concurrency rules, and daprd's choice of error for each failure.
/// Every method throws <see cref="DaprApiException"/> with the error daprd gives.
/// </summary>
internal sealed class StateService(ComponentStore components, ResiliencyProvider resiliency, string appId)
{
    /// <summary>The store by name; throws "not configured" (no stores at all) or "not found".</summary>
    public StateStoreEntry Store(string name) =>
        components.StateStores.GetValueOrDefault(name)
        ?? throw new DaprApiException(components.StateStores.Count == 0
            ? DaprErrors.StateStoreNotConfigured(name, appId)
            : DaprErrors.StateStoreNotFound(name, appId));

    /// <summary>The store, which must support transactions.</summary>
    public StateStoreEntry TransactionalStore(string name)
    {
        var store = Store(name);
        return store.Component.Features.HasFlag(StateStoreFeatures.Transactional)
            ? store
            : throw new DaprApiException(DaprErrors.StateTransactionsNotSupported(name));
    }

    /// <summary>The key as stored; throws for a key containing <c>||</c>.</summary>
    public static string StoredKey(StateStoreEntry store, string key) =>
        StateKeyPrefix.IsLegal(key)
            ? store.KeyPrefix.Apply(key)
            : throw new DaprApiException(DaprErrors.StateIllegalKey(store.Name, StateKeyPrefix.IllegalKeyMessage(key)));

    /// <summary>Reads one key; null when it does not exist.</summary>
    public async Task<StateItem?> GetAsync(string storeName, string key, StateConsistency consistency, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var storedKey = StoredKey(store, key);
        try
        {
            var options = new StateGetOptions(consistency, metadata);
            return await Outbound(store).ExecuteAsync(ct => store.Component.GetAsync(storedKey, options, ct), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw new DaprApiException(DaprErrors.StateGet(key, storeName, ex.Message));
        }
    }

    /// <summary>Reads many keys in parallel (<paramref name="parallelism"/> 0 = all at once); per-key failures are reported, not thrown.</summary>
    public async Task<BulkStateResult[]> BulkGetAsync(string storeName, IReadOnlyList<string> keys, int parallelism, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var storedKeys = keys.Select(k => StoredKey(store, k)).ToArray();
        var results = new BulkStateResult[keys.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, keys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Math.Max(1, keys.Count), CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                try
                {
                    var item = await store.Component.GetAsync(storedKeys[index], new StateGetOptions(StateConsistency.Unspecified, metadata), ct);
                    results[index] = new BulkStateResult(keys[index], item, null);
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    results[index] = new BulkStateResult(keys[index], null, ex.Message);
                }
            });
        return results;
    }

    /// <summary>Saves every item (in parallel, as daprd's bulk set); any failure throws ERR_STATE_SAVE with daprd's status.</summary>
    public async Task SaveAsync(string storeName, IReadOnlyList<StateSaveItem> items, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var requests = items.Select(i => new StateSetRequest(StoredKey(store, i.Key), i.Value, i.ETag, i.Concurrency, i.Consistency, i.Metadata)).ToList();
        var failures = (await Task.WhenAll(requests.Select(r => TryAsync(store, ct => store.Component.SetAsync(r, ct), cancellationToken)))).OfType<Exception>().ToList();
        if (failures.Count > 0)
        {
            var (status, message) = ErrorResponse(failures);
            throw new DaprApiException(DaprErrors.StateSave(status, storeName, message));
        }
    }

    /// <summary>Deletes one key; ETag failures are not retried.</summary>
    public async Task DeleteAsync(string storeName, StateDeleteItem item, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var request = ToRequest(store, item);
        if (await TryAsync(store, ct => store.Component.DeleteAsync(request, ct), cancellationToken) is { } failure)
        {
            var (status, message) = ErrorResponse([failure]);
            throw new DaprApiException(DaprErrors.StateDelete(status, item.Key, message));
        }
    }

    /// <summary>Deletes many keys (gRPC <c>DeleteBulkState</c>).</summary>
    public async Task DeleteBulkAsync(string storeName, IReadOnlyList<StateDeleteItem> items, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        var requests = items.Select(i => ToRequest(store, i)).ToList();
        var failures = (await Task.WhenAll(requests.Select(r => TryAsync(store, ct => store.Component.DeleteAsync(r, ct), cancellationToken)))).OfType<Exception>().ToList();
        if (failures.Count > 0)
        {
            var (status, message) = ErrorResponse(failures);
            throw new DaprApiException(DaprErrors.StateBulkDelete(status, storeName, message));
        }
    }

    /// <summary>Runs the operations as one transaction.</summary>
    public async Task TransactAsync(string storeName, IReadOnlyList<StateTransactionItem> items, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = TransactionalStore(storeName);
        var operations = items.Select(i => i.Upsert is { } upsert
                ? StateOperation.Upsert(new StateSetRequest(StoredKey(store, upsert.Key), upsert.Value, upsert.ETag, upsert.Concurrency, upsert.Consistency, upsert.Metadata))
                : StateOperation.Remove(ToRequest(store, i.Delete!)))
            .ToList();
        if (operations.Count == 0)
        {
            return;
        }

        try
        {
            await Outbound(store).ExecuteAsync(
                async ct =>
                {
                    await store.Component.ExecuteTransactionAsync(operations, metadata, ct);
                    return true;
                },
                cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw new DaprApiException(DaprErrors.StateTransaction(Unwrap(ex).Message));
        }
    }

    /// <summary>daprd answers the query API of <c>state.redis</c> without RediSearch with "querying not supported".</summary>
    public void Query(string storeName)
    {
        _ = Store(storeName);
        throw new DaprApiException(DaprErrors.StateQueryNotSupported(storeName));
    }

    private static StateDeleteRequest ToRequest(StateStoreEntry store, StateDeleteItem item) =>
        new(StoredKey(store, item.Key), item.ETag, item.Concurrency, item.Consistency, item.Metadata);

    private async Task<Exception?> TryAsync(StateStoreEntry store, Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        try
        {
            await Outbound(store).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        await operation(ct);
                    }
                    catch (Exception ex) when (ex is StateETagMismatchException or StateETagInvalidException or ArgumentException)
                    {
                        // ETag errors are never retried.
                        throw new PermanentFailureException(ex.Message, ex);
                    }

                    return true;
                },
                cancellationToken);
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            return Unwrap(ex);
        }
    }

    private ResiliencyPolicy Outbound(StateStoreEntry store) => resiliency.ForComponentOutbound(store.Name, store.Component.Type);

    // daprd: all errors ETag mismatch → 409 (Aborted); an invalid ETag among them → 400 (InvalidArgument); anything else → 500.
    private static (int Status, string Message) ErrorResponse(IReadOnlyList<Exception> errors)
    {
        var message = string.Join("\n", errors.Select(e => e.Message));
        if (errors.All(e => e is StateETagMismatchException or StateETagInvalidException))
        {
            return (errors.Any(e => e is StateETagInvalidException) ? 400 : 409, message);
        }

        return (500, message);
    }

    private static Exception Unwrap(Exception ex) => ex is PermanentFailureException { InnerException: { } inner } ? inner : ex;

    private static bool IsStoreFailure(Exception ex) => ex is not OperationCanceledException || ex is ResiliencyTimeoutException;
}
