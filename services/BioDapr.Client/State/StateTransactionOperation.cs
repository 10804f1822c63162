namespace BioDapr.Client;

/// <summary>One operation of a state transaction (<c>POST /v1.0/state/{store}/transaction</c>).</summary>
/// <param name="OperationType">Upsert or delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value of an upsert, serialized as JSON with the client's serializer options.</param>
/// <param name="ETag">The ETag the operation expects, or null.</param>
/// <param name="Options">Concurrency and consistency, or null.</param>
/// <param name="Metadata">Operation metadata, or null.</param>
public sealed record StateTransactionOperation(
    StateTransactionOperationType OperationType,
    string Key,
    object? Value = null,
    string? ETag = null,
    StateWriteOptions? Options = null,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>An upsert of <paramref name="key"/>.</summary>
    public static StateTransactionOperation Upsert(
        string key, object? value, string? etag = null, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(StateTransactionOperationType.Upsert, key, value, etag, options, metadata);

    /// <summary>A delete of <paramref name="key"/>.</summary>
    public static StateTransactionOperation Delete(
        string key, string? etag = null, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(StateTransactionOperationType.Delete, key, null, etag, options, metadata);
}
