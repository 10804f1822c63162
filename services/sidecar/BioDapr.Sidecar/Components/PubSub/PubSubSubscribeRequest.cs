namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>A subscription to one topic with the subscription's metadata.</summary>
internal sealed record PubSubSubscribeRequest(string Topic, IReadOnlyDictionary<string, string> Metadata);
