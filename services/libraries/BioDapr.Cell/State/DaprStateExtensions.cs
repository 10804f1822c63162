using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace BioDapr.Cell.State;

/// <summary>
/// The few state patterns the cells repeat, on <see cref="DaprClient"/>: a first write that tells "someone else
/// wrote it first" from a failure, and transaction operations guarded by an ETag (first-write for a key not stored yet).
/// </summary>
public static class DaprStateExtensions
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    /// <summary>Writes <paramref name="value"/> only if <paramref name="key"/> is not stored yet; false when it already was.</summary>
    public static Task<bool> TrySaveFirstAsync<T>(this DaprClient dapr, string storeName, string key, T value, CancellationToken cancellationToken) =>
        dapr.TrySaveFirstAsync(storeName, key, value, StateRetention.Forever, cancellationToken);

    /// <summary>
    /// Writes <paramref name="value"/> only if <paramref name="key"/> is not stored yet, kept for <paramref name="retention"/>;
    /// false when it already was. A failure with the key not stored is thrown.
    /// </summary>
    public static async Task<bool> TrySaveFirstAsync<T>(this DaprClient dapr, string storeName, string key, T value, StateRetention retention, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        try
        {
            await dapr.SaveStateAsync(storeName, key, value, FirstWrite, retention.Metadata, cancellationToken);
            return true;
        }
        catch (DaprException ex) when (StateConflict.Is(ex))
        {
            return false;
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Internal })
        {
            // Dapr's Redis store answers a first-write of a key already stored with a plain error ("failed to set
            // key …", gRPC Internal), not an ETag conflict: it raises the ETag error only when the request had an
            // ETag (components-contrib state/redis setValue). So read the key: stored means someone wrote it first;
            // not stored means the write really failed.
            var (_, etag) = await dapr.GetStateAndETagAsync<JsonElement>(storeName, key, cancellationToken: cancellationToken);
            if (!string.IsNullOrEmpty(etag))
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>
    /// An upsert for <c>ExecuteStateTransactionAsync</c>, guarded by <paramref name="etag"/>; without one (the key
    /// was not stored when read) it is a first write, so the transaction fails if someone stored it meanwhile.
    /// </summary>
    public static StateTransactionRequest Upsert<T>(this DaprClient dapr, string key, T value, string? etag) =>
        dapr.Upsert(key, value, etag, StateRetention.Forever);

    /// <summary>As <see cref="Upsert{T}(DaprClient, string, T, string?)"/>, the item kept for <paramref name="retention"/> after this write.</summary>
    public static StateTransactionRequest Upsert<T>(this DaprClient dapr, string key, T value, string? etag, StateRetention retention)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        var guarded = string.IsNullOrEmpty(etag) ? null : etag;
        return new StateTransactionRequest(
            key, JsonSerializer.SerializeToUtf8Bytes(value, dapr.JsonSerializerOptions), StateOperationType.Upsert, guarded, retention.Metadata, guarded is null ? FirstWrite : null);
    }

    /// <summary>Writes <paramref name="value"/> if <paramref name="etag"/> still matches, kept for <paramref name="retention"/>; false on a conflict.</summary>
    public static Task<bool> TrySaveStateAsync<T>(this DaprClient dapr, string storeName, string key, T value, string etag, StateRetention retention, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        return dapr.TrySaveStateAsync(storeName, key, value, etag, metadata: retention.Metadata, cancellationToken: cancellationToken);
    }

    // The SDK takes a mutable dictionary; each call gets its own.
    private static Dictionary<string, string>? Copy(StateRetention retention) =>
        retention.Metadata is { } metadata ? new Dictionary<string, string>(metadata, StringComparer.Ordinal) : null;

    /// <summary>Runs the transaction; false when an ETag or first-write guard failed (nothing was written).</summary>
    public static async Task<bool> TryExecuteStateTransactionAsync(this DaprClient dapr, string storeName, IReadOnlyList<StateTransactionRequest> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        try
        {
            await dapr.ExecuteStateTransactionAsync(storeName, operations, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException ex) when (StateConflict.Is(ex))
        {
            return false;
        }
    }

    /// <summary>The entry's ETag, or null when the key was not stored.</summary>
    public static string? ETagOrNull<T>(this StateEntry<T>? entry) => entry is null || string.IsNullOrEmpty(entry.ETag) ? null : entry.ETag;
}
