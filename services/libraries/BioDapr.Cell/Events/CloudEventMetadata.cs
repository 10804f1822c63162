namespace BioDapr.Cell.Events;

/// <summary>
/// Publish metadata that sets the CloudEvent the sidecar wraps the data in (daprd's <c>cloudevent.*</c> metadata):
/// its <c>type</c> (the versioned contract name) and, where a repeat must be recognised downstream, its <c>id</c>.
/// </summary>
public static class CloudEventMetadata
{
    /// <summary>Metadata for <c>DaprClient.PublishEventAsync(pubsub, topic, data, metadata)</c>.</summary>
    /// <param name="type">The CloudEvent type, such as <c>biodapr.orders.placed.v1</c>.</param>
    /// <param name="id">The CloudEvent id (null: the sidecar makes one up).</param>
    public static Dictionary<string, string> For(string type, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["cloudevent.type"] = type };
        if (id is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id);
            metadata["cloudevent.id"] = id;
        }

        return metadata;
    }
}
