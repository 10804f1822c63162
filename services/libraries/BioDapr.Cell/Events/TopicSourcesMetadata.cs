namespace BioDapr.Cell.Events;

/// <summary>Endpoint metadata: the app ids this subscriber accepts events from (see <see cref="TopicEndpointExtensions.AcceptFrom"/>).</summary>
/// <param name="AppIds">The publishers accepted.</param>
public sealed record TopicSourcesMetadata(IReadOnlySet<string> AppIds);
