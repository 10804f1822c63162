namespace BioDapr.Client;

/// <summary>One item of a typed bulk get.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Value">The value; default when the key does not exist or had an error.</param>
/// <param name="Exists">True when the store returned data for the key.</param>
/// <param name="ETag">The ETag, or null.</param>
/// <param name="Metadata">Item metadata, empty when none.</param>
/// <param name="Error">The store's error for this key, or null.</param>
public sealed record BulkStateItem<T>(
    string Key,
    T? Value,
    bool Exists,
    string? ETag,
    IReadOnlyDictionary<string, string> Metadata,
    string? Error);
