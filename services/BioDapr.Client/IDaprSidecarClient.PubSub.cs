namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>
    /// Publishes <paramref name="data"/> serialized as JSON (<c>POST /v1.0/publish/{pubsub}/{topic}</c>,
    /// Content-Type <c>application/json</c>); daprd wraps it in a CloudEvent with the JSON as <c>data</c>.
    /// </summary>
    Task PublishEventAsync<T>(string pubsubName, string topic, T data, PublishEventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Publishes text with <paramref name="contentType"/> (default <c>text/plain</c>); daprd puts it in <c>data</c> as a string.</summary>
    Task PublishTextAsync(string pubsubName, string topic, string text, string contentType = DaprContentTypes.TextPlain, PublishEventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes bytes with <paramref name="contentType"/> (default <c>application/octet-stream</c>, which
    /// daprd stores base64-encoded in <c>data_base64</c>). The Content-Type is sent exactly as given.
    /// </summary>
    Task PublishBytesAsync(string pubsubName, string topic, ReadOnlyMemory<byte> data, string contentType = DaprContentTypes.OctetStream, PublishEventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes <paramref name="payload"/> without a CloudEvent envelope (<c>metadata.rawPayload=true</c>).
    /// Subscribers receive the bytes as they are. A null <paramref name="contentType"/> sends no Content-Type.
    /// </summary>
    Task PublishRawPayloadAsync(string pubsubName, string topic, ReadOnlyMemory<byte> payload, string? contentType = null, PublishEventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes a ready-made CloudEvent (a JSON object) with Content-Type <c>application/cloudevents+json</c>.
    /// daprd keeps its fields (overwriting <c>topic</c> and <c>pubsubname</c>) and does not apply the
    /// <c>cloudevent.*</c> overrides of <paramref name="options"/>. To send an already serialized event,
    /// use <see cref="PublishBytesAsync"/> with <see cref="DaprContentTypes.CloudEventJson"/>.
    /// </summary>
    Task PublishCloudEventAsync<T>(string pubsubName, string topic, T cloudEvent, PublishEventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes several events in one request (<c>POST /v1.0-alpha1/publish/bulk/{pubsub}/{topic}</c>).
    /// Entries the broker rejects come back in <see cref="BulkPublishResult.FailedEntries"/>; errors that
    /// concern the whole request (unknown pubsub, forbidden topic, malformed entries) throw.
    /// </summary>
    /// <param name="pubsubName">The pub/sub component.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="entries">The events; entry ids must be unique and non-empty.</param>
    /// <param name="metadata">Request metadata; daprd merges it only into entries that have their own metadata.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<BulkPublishResult> BulkPublishAsync(string pubsubName, string topic, IReadOnlyList<BulkPublishEntry> entries, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
