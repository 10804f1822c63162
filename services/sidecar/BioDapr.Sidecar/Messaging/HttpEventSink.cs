using System.Globalization;
using System.Text.Json;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Delivers to the app over HTTP as daprd's HTTP postman: one <c>POST {route}</c> per event with the
/// envelope as <c>application/cloudevents+json</c>, or one <c>POST {route}</c> per batch with daprd's bulk
/// envelope (<c>entries</c> with <c>entryId</c>, <c>event</c>, <c>contentType</c>, <c>metadata</c>) whose reply
/// lists a status per entry (<c>{"statuses":[{"entryId","status"}]}</c>).
/// </summary>
internal sealed class HttpEventSink(AppChannelClient channel) : IEventSink
{
    public const string BulkEventType = "com.dapr.event.sent.bulk";

    public async Task<SinkReply> DeliverAsync(EventDelivery delivery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Route(delivery.Path))
        {
            Content = new ReadOnlyMemoryContent(delivery.Data),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", CloudEventEnvelope.CloudEventContentType);
        AddMetadataHeaders(request, delivery.Metadata);
        if (delivery.Span is { } trace)
        {
            request.Headers.Remove("traceparent");
            request.Headers.Remove("tracestate");
            request.Headers.TryAddWithoutValidation("traceparent", trace.TraceParent);
            if (trace.TraceState.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("tracestate", trace.TraceState);
            }
        }

        AppResponse response;
        try
        {
            response = await channel.SendAsync(request, keepHeaders: false, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return new SinkReply(DeliveryOutcome.Retry, null, "error returned from app channel while sending pub/sub event to app: " + ex.Message);
        }

        var outcome = AppReply.Interpret(response.StatusCode, response.Body);
        var detail = outcome == DeliveryOutcome.Retry
            ? string.Create(CultureInfo.InvariantCulture, $"retriable error returned from app while processing pub/sub event, status code returned: {response.StatusCode}")
            : string.Empty;
        return new SinkReply(outcome, response.StatusCode is >= 200 and <= 299 ? null : response.StatusCode, detail);
    }

    public async Task<IReadOnlyDictionary<string, DeliveryOutcome>> DeliverBulkAsync(BulkEventDelivery delivery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Route(delivery.Path))
        {
            Content = new ByteArrayContent(BulkEnvelope(delivery)),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        AddMetadataHeaders(request, delivery.Metadata);
        AppResponse response;
        try
        {
            response = await channel.SendAsync(request, keepHeaders: false, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return new Dictionary<string, DeliveryOutcome>();
        }

        if (response.StatusCode == 404)
        {
            return delivery.Entries.ToDictionary(e => e.EntryId, _ => DeliveryOutcome.Drop, StringComparer.Ordinal);
        }

        return response.StatusCode is >= 200 and <= 299 ? BulkStatuses(response.Body) : new Dictionary<string, DeliveryOutcome>();
    }

    /// <summary>The bulk envelope daprd sends (a Go map: keys sorted).</summary>
    public static byte[] BulkEnvelope(BulkEventDelivery delivery)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("entries");
            foreach (var entry in delivery.Entries)
            {
                writer.WriteStartObject();
                writer.WriteString("entryId", entry.EntryId);
                writer.WritePropertyName("event");
                if (entry.CloudEvent is { } cloudEvent)
                {
                    GoJsonWriter.WriteCanonical(writer, cloudEvent);
                }
                else
                {
                    writer.WriteStringValue(Convert.ToBase64String(entry.Event.Span));
                }

                writer.WritePropertyName("metadata");
                ApiHttp.WriteStringMap(writer, entry.Metadata);
                if (entry.ContentType.Length > 0)
                {
                    writer.WriteString("contentType", entry.ContentType);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("id", Guid.NewGuid().ToString());
            writer.WritePropertyName("metadata");
            ApiHttp.WriteStringMap(writer, delivery.Metadata);
            writer.WriteString("pubsubname", delivery.PubsubName);
            writer.WriteString("topic", delivery.Topic);
            writer.WriteString("type", BulkEventType);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    // {"statuses":[{"entryId":"…","status":"SUCCESS|RETRY|DROP"}]}: field names case-insensitive (Go), values exact.
    // An empty or unknown status means RETRY; entries the app did not answer are left out (RETRY too).
    private static Dictionary<string, DeliveryOutcome> BulkStatuses(byte[] body)
    {
        var outcomes = new Dictionary<string, DeliveryOutcome>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return outcomes;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!string.Equals(property.Name, "statuses", StringComparison.OrdinalIgnoreCase) || property.Value.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var item in property.Value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                {
                    string? entryId = null;
                    string? status = null;
                    foreach (var field in item.EnumerateObject())
                    {
                        if (string.Equals(field.Name, "entryId", StringComparison.OrdinalIgnoreCase) && field.Value.ValueKind == JsonValueKind.String)
                        {
                            entryId = field.Value.GetString();
                        }
                        else if (string.Equals(field.Name, "status", StringComparison.OrdinalIgnoreCase) && field.Value.ValueKind == JsonValueKind.String)
                        {
                            status = field.Value.GetString();
                        }
                    }

                    if (entryId is not null)
                    {
                        outcomes[entryId] = status switch
                        {
                            "SUCCESS" => DeliveryOutcome.Success,
                            "DROP" => DeliveryOutcome.Drop,
                            _ => DeliveryOutcome.Retry,
                        };
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: no entry answered, so every entry is retried (daprd: "failed unmarshalling app response").
        }

        return outcomes;
    }

    private static string Route(string path) => path.StartsWith('/') ? path : "/" + path;

    private static void AddMetadataHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            if (!string.Equals(key, "content-type", StringComparison.OrdinalIgnoreCase) && IsHeaderName(key))
            {
                request.Headers.TryAddWithoutValidation(key, value);
            }
        }
    }

    private static bool IsHeaderName(string name) => name.Length > 0 && name.All(c => c > 32 && c < 127 && c != ':');
}
