namespace BioDapr.Cell.Events;

/// <summary>Endpoint metadata: this endpoint handles <see cref="Topic"/> of <see cref="PubSubName"/>.</summary>
/// <param name="PubSubName">The pub/sub component.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Options">Routing rule, priority, dead-letter topic and metadata.</param>
public sealed record TopicSubscriptionMetadata(string PubSubName, string Topic, TopicOptions Options);
