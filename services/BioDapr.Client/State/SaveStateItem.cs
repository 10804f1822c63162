namespace BioDapr.Client;

/// <summary>One item of a multi-item save (<c>POST /v1.0/state/{store}</c>).</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value, serialized as JSON with the client's serializer options.</param>
/// <param name="ETag">The ETag the write expects, or null.</param>
/// <param name="Options">Concurrency and consistency, or null to send none.</param>
/// <param name="Metadata">Item metadata (for example <c>ttlInSeconds</c>), or null.</param>
public sealed record SaveStateItem(
    string Key,
    object? Value,
    string? ETag = null,
    StateWriteOptions? Options = null,
    IReadOnlyDictionary<string, string>? Metadata = null);
