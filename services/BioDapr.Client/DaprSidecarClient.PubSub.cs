using System.Net;

namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    /// <inheritdoc />
    public Task PublishEventAsync<T>(string pubsubName, string topic, T data, PublishEventOptions? options = null, CancellationToken cancellationToken = default) =>
        PublishAsync(pubsubName, topic, DaprHttpContent.Serialize(data, _json, DaprContentTypes.Json), options, rawPayload: false, cancellationToken);

    /// <inheritdoc />
    public Task PublishTextAsync(string pubsubName, string topic, string text, string contentType = DaprContentTypes.TextPlain, PublishEventOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        return PublishAsync(pubsubName, topic, DaprHttpContent.Bytes(System.Text.Encoding.UTF8.GetBytes(text), contentType), options, rawPayload: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task PublishBytesAsync(string pubsubName, string topic, ReadOnlyMemory<byte> data, string contentType = DaprContentTypes.OctetStream, PublishEventOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        return PublishAsync(pubsubName, topic, DaprHttpContent.Bytes(data, contentType), options, rawPayload: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task PublishRawPayloadAsync(string pubsubName, string topic, ReadOnlyMemory<byte> payload, string? contentType = null, PublishEventOptions? options = null, CancellationToken cancellationToken = default) =>
        PublishAsync(pubsubName, topic, DaprHttpContent.Bytes(payload, contentType), options, rawPayload: true, cancellationToken);

    /// <inheritdoc />
    public Task PublishCloudEventAsync<T>(string pubsubName, string topic, T cloudEvent, PublishEventOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        return PublishAsync(pubsubName, topic, DaprHttpContent.Serialize(cloudEvent, _json, DaprContentTypes.CloudEventJson), options, rawPayload: false, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<BulkPublishResult> BulkPublishAsync(string pubsubName, string topic, IReadOnlyList<BulkPublishEntry> entries, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pubsubName);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(entries);

        var body = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartArray();
            foreach (var entry in entries)
            {
                ArgumentNullException.ThrowIfNull(entry, nameof(entries));
                writer.WriteStartObject();
                writer.WriteString("entryId", entry.EntryId);
                DaprHttpContent.WriteValue(writer, "event", entry.Event, _json);
                writer.WriteString("contentType", entry.ContentType);
                DaprHttpContent.WriteMetadata(writer, "metadata", entry.Metadata);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });

        var path = DaprRequestPath.V1Alpha1().Literal("publish/bulk").Segment(pubsubName).Segments(topic).Metadata(metadata);
        using var request = _transport.CreateRequest(HttpMethod.Post, path, body);
        using var response = await _transport.SendUncheckedAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return BulkPublishResult.Success with { StatusCode = response.StatusCode };
        }

        // Broker failures list the entries that were not published; anything else concerns the whole request.
        var failure = await TryReadBulkPublishFailureAsync(request, response, cancellationToken).ConfigureAwait(false);
        if (failure?.FailedEntries is { } failed)
        {
            return new BulkPublishResult
            {
                FailedEntries = [.. failed.Select(f => new BulkPublishFailedEntry(f.EntryId ?? string.Empty, f.Error ?? string.Empty))],
                ErrorCode = failure.ErrorCode,
                StatusCode = response.StatusCode,
            };
        }

        throw await DaprHttpTransport.CreateExceptionAsync(request, response, cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishAsync(string pubsubName, string topic, HttpContent content, PublishEventOptions? options, bool rawPayload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pubsubName);
        ArgumentException.ThrowIfNullOrEmpty(topic);

        var path = DaprRequestPath.V1().Literal("publish").Segment(pubsubName).Segments(topic).Metadata(options?.ToMetadata());
        if (rawPayload && options?.Metadata?.ContainsKey("rawPayload") != true)
        {
            path.Query("metadata.rawPayload", "true");
        }

        await _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Post, path, content), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<BulkPublishResponseBody?> TryReadBulkPublishFailureAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized)
        {
            return null;
        }

        try
        {
            return await DaprHttpTransport.ReadProtocolJsonAsync(request, response, DaprProtocolJsonContext.Default.BulkPublishResponseBody, cancellationToken).ConfigureAwait(false);
        }
        catch (DaprApiException)
        {
            return null;
        }
    }
}
