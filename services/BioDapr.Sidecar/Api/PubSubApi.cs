using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Tracing;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// <c>POST|PUT /v1.0/publish/{pubsub}/{topic…}</c> and the bulk variant, with daprd's validation order,
/// envelope rules and error codes.
/// </summary>
internal sealed class PubSubApi(SidecarRuntime runtime)
{
    private const int BulkParallelism = 100;

    public async Task PublishAsync(HttpContext context, string pubsubName, string topic, TraceContext? span)
    {
        var metadata = ApiHttp.Metadata(context.Request);
        if (Validate(pubsubName, topic, metadata) is { } validationError)
        {
            await ApiHttp.WriteErrorAsync(context.Response, validationError);
            return;
        }

        var pubsub = runtime.Components.PubSubs[pubsubName];
        byte[] body;
        try
        {
            body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
        }
        catch (RequestBodyTooLargeException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubPublishMessage(pubsubName, topic, ex.Message));
            return;
        }

        if (!TryIsRawPayload(metadata, out var rawPayload, out var rawError))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubMetadataDeserialize(pubsubName, rawError, metadata));
            return;
        }

        ReadOnlyMemory<byte> data = body;
        if (!rawPayload)
        {
            try
            {
                data = CloudEventEnvelope.Create(
                    new EnvelopeRequest(
                        runtime.Settings.AppId,
                        topic,
                        pubsubName,
                        context.Request.ContentType,
                        body,
                        span?.TraceParent ?? string.Empty,
                        span?.TraceState ?? string.Empty),
                    metadata,
                    runtime.Time.GetLocalNow());
            }
            catch (CloudEventCreationException ex)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubCloudEventCreation(pubsubName, runtime.Settings.AppId, ex.Message));
                return;
            }
        }

        try
        {
            await runtime.Publisher.PublishAsync(pubsub, topic, data, metadata, context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (PublishNotAllowedException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubForbidden(pubsubName, topic, runtime.Settings.AppId));
        }
        catch (PubSubPublishException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubPublishMessage(pubsubName, topic, ex.Message));
        }
    }

    public async Task BulkPublishAsync(HttpContext context, string pubsubName, string topic, TraceContext? span)
    {
        var metadata = ApiHttp.Metadata(context.Request);
        if (Validate(pubsubName, topic, metadata) is { } validationError)
        {
            await ApiHttp.WriteErrorAsync(context.Response, validationError);
            return;
        }

        var appId = runtime.Settings.AppId;
        if (!TryIsRawPayload(metadata, out var rawPayload, out var rawError))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubMetadataDeserialize(pubsubName, rawError, metadata));
            return;
        }

        List<BulkEntry> entries;
        try
        {
            var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            entries = ParseBulkEntries(body);
        }
        catch (Exception ex) when (ex is JsonException or RequestBodyTooLargeException or InvalidOperationException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubUnmarshalEvents(pubsubName, topic, appId, ex.Message));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var messages = new List<(string EntryId, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string>? Metadata)>(entries.Count);
        foreach (var entry in entries)
        {
            if (!TryConvertEvent(entry.Event, entry.ContentType, out var bytes, out var conversionError))
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubMarshalEnvelope(pubsubName, topic, appId, conversionError));
                return;
            }

            // Request-level metadata reaches an entry only when the entry has its own metadata object.
            Dictionary<string, string>? entryMetadata = null;
            if (entry.Metadata is not null)
            {
                entryMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
                foreach (var (key, value) in entry.Metadata)
                {
                    entryMetadata[key] = value;
                }
            }

            if (string.IsNullOrEmpty(entry.EntryId) || !seen.Add(entry.EntryId))
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubMarshalEvents(pubsubName, topic, appId, "entryId is duplicated or not present for entry"));
                return;
            }

            ReadOnlyMemory<byte> data = bytes;
            if (!rawPayload)
            {
                var childSpan = span?.NewChild();
                try
                {
                    data = CloudEventEnvelope.Create(
                        new EnvelopeRequest(appId, topic, pubsubName, entry.ContentType, bytes, childSpan?.TraceParent ?? string.Empty, childSpan?.TraceState ?? string.Empty),
                        entryMetadata ?? new Dictionary<string, string>(),
                        runtime.Time.GetLocalNow());
                }
                catch (CloudEventCreationException ex)
                {
                    await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubCloudEventCreation(pubsubName, appId, ex.Message));
                    return;
                }
            }

            messages.Add((entry.EntryId, data, entryMetadata));
        }

        var pubsub = runtime.Components.PubSubs[pubsubName];
        IReadOnlyList<(string EntryId, string Error)> failed;
        try
        {
            // Redis has no native bulk publish: daprd publishes the entries one by one, up to 100 at once.
            failed = await runtime.Publisher.BulkPublishAsync(pubsub, topic, messages, BulkParallelism, context.RequestAborted);
        }
        catch (PublishNotAllowedException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubForbidden(pubsubName, topic, appId));
            return;
        }

        if (failed.Count == 0)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        var error = DaprErrors.PubSubPublishMessage(pubsubName, topic, failed[0].Error);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("failedEntries");
            foreach (var (entryId, message) in failed)
            {
                writer.WriteStartObject();
                writer.WriteString("entryId", entryId);
                writer.WriteString("error", message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE");
            writer.WriteEndObject();
        }

        var responseData = buffer.WrittenMemory;
        context.Response.Headers["metadata.responseData"] = Encoding.UTF8.GetString(responseData.Span);
        context.Response.Headers["metadata.error"] = "api error: code = Internal desc = " + error.Message;
        await ApiHttp.WriteDataAsync(context.Response, error.StatusCode, responseData);
    }

    private DaprError? Validate(string pubsubName, string topic, IReadOnlyDictionary<string, string> metadata)
    {
        if (runtime.Components.PubSubs.Count == 0)
        {
            return DaprErrors.PubSubNotConfigured(pubsubName, metadata);
        }

        if (pubsubName.Length == 0)
        {
            return DaprErrors.PubSubNameEmpty(metadata);
        }

        if (!runtime.Components.PubSubs.ContainsKey(pubsubName))
        {
            return DaprErrors.PubSubNotFound(pubsubName, metadata);
        }

        return topic.Length == 0 ? DaprErrors.PubSubTopicEmpty(pubsubName, metadata) : null;
    }

    // Go's strconv.ParseBool on metadata "rawPayload" (exact key).
    private static bool TryIsRawPayload(Dictionary<string, string> metadata, out bool rawPayload, out string error)
    {
        rawPayload = false;
        error = string.Empty;
        if (!metadata.TryGetValue("rawPayload", out var value) || value.Length == 0)
        {
            return true;
        }

        if (GoStrconv.TryParseBool(value, out rawPayload))
        {
            return true;
        }

        error = $"rawPayload value must be a valid boolean: actual is '{value}'";
        return false;
    }

    private static List<BulkEntry> ParseBulkEntries(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidOperationException("the body must be a JSON array of entries");
        }

        var entries = new List<BulkEntry>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidOperationException("every entry must be a JSON object");
            }

            string? entryId = null;
            string contentType = string.Empty;
            JsonElement? @event = null;
            Dictionary<string, string>? entryMetadata = null;
            foreach (var property in item.EnumerateObject())
            {
                // Go's encoding/json matches field names case-insensitively.
                switch (property.Name.ToLowerInvariant())
                {
                    case "entryid":
                        entryId = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : throw new InvalidOperationException("entryId must be a string");
                        break;
                    case "contenttype":
                        contentType = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : throw new InvalidOperationException("contentType must be a string");
                        break;
                    case "event":
                        @event = property.Value.Clone();
                        break;
                    case "metadata" when property.Value.ValueKind == JsonValueKind.Object:
                        entryMetadata = property.Value.EnumerateObject().ToDictionary(
                            p => p.Name,
                            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new InvalidOperationException("metadata values must be strings"),
                            StringComparer.Ordinal);
                        break;
                    case "metadata" when property.Value.ValueKind == JsonValueKind.Null:
                        break;
                    case "metadata":
                        throw new InvalidOperationException("metadata must be an object of strings");
                }
            }

            entries.Add(new BulkEntry(entryId, @event, contentType, entryMetadata));
        }

        return entries;
    }

    // daprd's ConvertEventToBytes: the content type decides how the JSON "event" becomes bytes.
    private static bool TryConvertEvent(JsonElement? @event, string contentType, out byte[] bytes, out string error)
    {
        bytes = [];
        error = "error: mismatch between contentType and event";
        if (CloudEventEnvelope.IsContentType(contentType, "application/octet-stream"))
        {
            if (@event is not { ValueKind: JsonValueKind.String } text)
            {
                return false;
            }

            try
            {
                bytes = Convert.FromBase64String(text.GetString()!);
                return true;
            }
            catch (FormatException ex)
            {
                error = "error: unable to decode base64 application/octect-stream data: " + ex.Message;
                return false;
            }
        }

        if (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || CloudEventEnvelope.IsContentType(contentType, "application/xml"))
        {
            if (@event is not { ValueKind: JsonValueKind.String } text)
            {
                return false;
            }

            bytes = Encoding.UTF8.GetBytes(text.GetString()!);
            return true;
        }

        if (CloudEventEnvelope.IsContentType(contentType, "application/json") || CloudEventEnvelope.IsContentType(contentType, CloudEventEnvelope.CloudEventContentType))
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
            {
                if (@event is { } value)
                {
                    GoJsonWriter.WriteCanonical(writer, value);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            bytes = buffer.WrittenSpan.ToArray();
            return true;
        }

        return false;
    }

    private sealed record BulkEntry(string? EntryId, JsonElement? Event, string ContentType, Dictionary<string, string>? Metadata);
}
