namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>A message as the broker delivered it.</summary>
/// <param name="Topic">The topic it was read from.</param>
/// <param name="Data">The stored bytes (envelope or raw payload).</param>
/// <param name="Metadata">The metadata stored with the message (Redis: the <c>metadata</c> field), empty when none.</param>
/// <param name="Id">The broker's message id (Redis: the stream entry id), for logs.</param>
internal sealed record PubSubMessage(string Topic, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata, string Id);
