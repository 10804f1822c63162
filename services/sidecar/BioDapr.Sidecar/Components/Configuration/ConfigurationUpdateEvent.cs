namespace BioDapr.Sidecar.Components.Configuration;

/// <summary>A change event: the subscription id and the changed items. A null item means the key was deleted.</summary>
internal sealed record ConfigurationUpdateEvent(string SubscriptionId, IReadOnlyDictionary<string, ConfigurationItem?> Items);
