namespace BioDapr.Cell.Events;

/// <summary>How an endpoint subscribes to a topic (Dapr programmatic subscription fields).</summary>
public sealed class TopicOptions
{
    /// <summary>A CEL routing rule (<c>event.type == "order.placed"</c>); null makes this endpoint the topic's default route.</summary>
    public string? Match { get; set; }

    /// <summary>Order among the topic's rules: lower first.</summary>
    public int Priority { get; set; }

    /// <summary>Where dropped or failed messages go (on the same pub/sub).</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>
    /// The app ids that may send this endpoint its events (the CloudEvent <c>source</c>, which the publishing
    /// sidecar sets to its app id). An event from anyone else is answered DROP and logged. Empty: any source.
    /// A publisher can still claim another source (daprd honours <c>metadata.cloudevent.source</c> and the
    /// <c>source</c> of a whole CloudEvent it is given), so this check completes the pub/sub component's
    /// <c>publishingScopes</c>, which decide who may publish on the topic at all.
    /// </summary>
    public ISet<string> AllowedSources { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Subscription metadata passed to the component (for example <c>rawPayload</c>).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
