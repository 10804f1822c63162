namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>One message to publish: the envelope (or raw payload) bytes and the request metadata.</summary>
/// <param name="Topic">The topic (Redis: the stream key).</param>
/// <param name="Data">The bytes to store (the serialized CloudEvent, or the raw body when <c>rawPayload=true</c>).</param>
/// <param name="Metadata">The request metadata (<c>metadata.*</c> query parameters without the prefix). Null means none: Redis then writes no <c>metadata</c> field.</param>
internal sealed record PubSubPublishRequest(string Topic, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string>? Metadata);
