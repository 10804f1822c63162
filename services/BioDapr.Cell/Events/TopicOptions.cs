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

    /// <summary>Subscription metadata passed to the component (for example <c>rawPayload</c>).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
