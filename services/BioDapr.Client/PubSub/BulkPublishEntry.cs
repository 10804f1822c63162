namespace BioDapr.Client;

/// <summary>
/// One event of a bulk publish. <see cref="Event"/> is written as JSON with the client's serializer
/// options, so it must match <see cref="ContentType"/> the way daprd expects: any JSON value for
/// <c>application/json</c> and <c>application/cloudevents+json</c>, a JSON string for <c>text/*</c> and
/// <c>application/xml</c>, and a base64 string for <c>application/octet-stream</c>. The factory methods
/// produce the right shape.
/// </summary>
/// <param name="EntryId">Unique within the request; daprd reports failures by this id.</param>
/// <param name="Event">The event value.</param>
/// <param name="ContentType">The event's content type (required by daprd).</param>
/// <param name="Metadata">
/// Entry metadata. Only entries that have a metadata object (even an empty one) receive the
/// request-level metadata, so leave it null to publish the entry without any metadata.
/// </param>
public sealed record BulkPublishEntry(
    string EntryId,
    object? Event,
    string ContentType,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>An entry whose event is serialized as JSON.</summary>
    public static BulkPublishEntry Json<T>(string entryId, T value, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(entryId, value, DaprContentTypes.Json, metadata);

    /// <summary>An entry with a text event.</summary>
    public static BulkPublishEntry Text(string entryId, string text, string contentType = DaprContentTypes.TextPlain, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(entryId, text, contentType, metadata);

    /// <summary>An entry with a binary event (sent base64-encoded, as daprd expects).</summary>
    public static BulkPublishEntry Binary(string entryId, ReadOnlySpan<byte> data, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(entryId, Convert.ToBase64String(data), DaprContentTypes.OctetStream, metadata);

    /// <summary>An entry that is already a CloudEvent (a JSON object).</summary>
    public static BulkPublishEntry CloudEvent<T>(string entryId, T cloudEvent, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(entryId, cloudEvent, DaprContentTypes.CloudEventJson, metadata);
}
