using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Tracing;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// <c>POST|PUT /v1.0/publish/{pubsub}/{topic…}</c> and the bulk variant, with daprd's validation order,
/// envelope rules and error codes.
/// </summary>
internal sealed class PubSubApi(SidecarRuntime runtime, PubSubService pubsub)
{
    public async Task PublishAsync(HttpContext context, string pubsubName, string topic, TraceContext? span)
    {
        var metadata = ApiHttp.Metadata(context.Request);
        try
        {
            pubsub.Validate(pubsubName, topic, metadata);
            var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            await pubsub.PublishAsync(pubsubName, topic, body, context.Request.ContentType, metadata, span, traceInRawMetadata: false, context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task BulkPublishAsync(HttpContext context, string pubsubName, string topic, TraceContext? span)
    {
        var metadata = ApiHttp.Metadata(context.Request);
        var appId = runtime.Settings.AppId;
        try
        {
            pubsub.Validate(pubsubName, topic, metadata);
            List<BulkEntry> entries;
            try
            {
                var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
                entries = ParseBulkEntries(body);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubUnmarshalEvents(pubsubName, topic, appId, ex.Message));
                return;
            }

            var converted = new List<PublishEntry>(entries.Count);
            foreach (var entry in entries)
            {
                if (!TryConvertEvent(entry.Event, entry.ContentType, out var bytes, out var conversionError))
                {
                    await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.PubSubMarshalEnvelope(pubsubName, topic, appId, conversionError));
                    return;
                }

                converted.Add(new PublishEntry(entry.EntryId, bytes, entry.ContentType, entry.Metadata));
            }

            // daprd's producer span per entry, named after the request path, ending with the call's HTTP status.
            var spans = new BulkPublishSpans(runtime.Tracing, span, context.Request.Path.Value ?? string.Empty);
            var answered = false;
            try
            {
                var failed = await pubsub.BulkPublishAsync(pubsubName, topic, converted, metadata, spans, context.RequestAborted);
                if (failed.Count == 0)
                {
                    ApiHttp.WriteEmpty(context.Response);
                }
                else
                {
                    await WriteFailedEntriesAsync(context, DaprErrors.PubSubPublishMessage(pubsubName, topic, failed[0].Error), failed);
                }

                answered = true;
            }
            catch (DaprApiException ex)
            {
                await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
                answered = true;
            }
            finally
            {
                spans.End(DaprSpanAttributes.HttpError(answered ? context.Response.StatusCode : StatusCodes.Status500InternalServerError));
            }
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    private static async Task WriteFailedEntriesAsync(HttpContext context, DaprError error, IReadOnlyList<FailedPublishEntry> failed)
    {
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
