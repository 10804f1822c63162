namespace BioDapr.Sidecar.Components.State;

/// <summary>A stored value with its ETag and store metadata (for example <c>ttlExpireTime</c>).</summary>
internal sealed record StateItem(ReadOnlyMemory<byte> Data, string? ETag, IReadOnlyDictionary<string, string> Metadata);
