using BioDapr.Sidecar.Components.State;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>One item to save, as the caller named it (the key is not prefixed yet).</summary>
internal sealed record StateSaveItem(
    string Key,
    ReadOnlyMemory<byte> Value,
    string? ETag,
    StateConcurrency Concurrency,
    StateConsistency Consistency,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>One key to delete, as the caller named it.</summary>
internal sealed record StateDeleteItem(
    string Key,
    string? ETag,
    StateConcurrency Concurrency,
    StateConsistency Consistency,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>One operation of a transaction: exactly one of <see cref="Upsert"/> and <see cref="Delete"/> is set.</summary>
internal sealed record StateTransactionItem(StateSaveItem? Upsert, StateDeleteItem? Delete);

/// <summary>One answer of a bulk get: the item (null when the key does not exist) or the store's error.</summary>
internal sealed record BulkStateResult(string Key, StateItem? Item, string? Error);
