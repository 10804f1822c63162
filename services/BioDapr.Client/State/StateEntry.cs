namespace BioDapr.Client;

/// <summary>A state value read from the sidecar with its ETag and response metadata.</summary>
/// <typeparam name="T">The value type (<see cref="ReadOnlyMemory{T}"/> of bytes for the raw form).</typeparam>
/// <param name="Key">The key as requested (without the app-id prefix).</param>
/// <param name="Value">The value.</param>
/// <param name="ETag">The <c>ETag</c> response header, or null when the store sent none.</param>
/// <param name="Metadata">
/// The <c>metadata.*</c> response headers without the prefix, for example <c>ttlExpireTime</c>. Keys
/// match case-insensitively: daprd's header handling does not keep their case.
/// </param>
public sealed record StateEntry<T>(string Key, T Value, string? ETag, IReadOnlyDictionary<string, string> Metadata);
