using System.Text.Json;

namespace BioDapr.Client;

/// <summary>One item of a bulk get, as daprd returns it (the value is in <c>data</c>).</summary>
/// <param name="Key">The key.</param>
/// <param name="Data">The stored JSON, or null when the key does not exist or could not be read.</param>
/// <param name="ETag">The ETag, or null.</param>
/// <param name="Metadata">Item metadata, empty when none.</param>
/// <param name="Error">The store's error for this key, or null.</param>
public sealed record BulkStateItem(
    string Key,
    JsonElement? Data,
    string? ETag,
    IReadOnlyDictionary<string, string> Metadata,
    string? Error);
