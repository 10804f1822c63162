using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.Wire;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Builds the CloudEvent envelope daprd publishes (Dapr's <c>NewCloudEventsEnvelope</c> and
/// <c>FromCloudEvent</c> rules): serialized like a Go map, so keys come out sorted; <c>data</c> is
/// embedded as JSON only for exactly <c>application/json</c>; binary goes to <c>data_base64</c>;
/// the trace fields are always present.
/// </summary>
internal static class CloudEventEnvelope
{
    public const string DefaultType = "com.dapr.event.sent";
    public const string DefaultSource = "Dapr";
    public const string DefaultDataContentType = "text/plain";
    public const string SpecVersion = "1.0";
    public const string CloudEventContentType = "application/cloudevents+json";

    /// <summary>
    /// Creates the envelope bytes for a publish request. Throws <see cref="CloudEventCreationException"/>
    /// when the body is declared as a CloudEvent but is not a JSON object.
    /// </summary>
    public static byte[] Create(EnvelopeRequest request, IReadOnlyDictionary<string, string> metadata, DateTimeOffset localNow)
    {
        // The parsed body is used in place (no clone) until the envelope is written.
        var isCloudEvent = IsContentType(request.DataContentType, CloudEventContentType);
        var contentType = string.IsNullOrEmpty(request.DataContentType) ? DefaultDataContentType : request.DataContentType;
        using var body = isCloudEvent || IsContentType(contentType, "application/json") ? TryParseJson(request.Data) : null;
        var fields = isCloudEvent
            ? FromCloudEvent(request, body, localNow)
            : NewEnvelope(request, body, metadata, localNow);

        if (TryGetTtl(metadata, out var ttl))
        {
            fields["expiration"] = EnvelopeValue.Text(localNow.UtcDateTime.Add(ttl).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        }

        return Serialize(fields);
    }

    /// <summary>The envelope daprd builds around a raw-payload message for a subscription with <c>rawPayload=true</c>.</summary>
    public static byte[] FromRawPayload(ReadOnlySpan<byte> data, string topic, string pubsubName, IReadOnlyDictionary<string, string> metadata)
    {
        var fields = new SortedDictionary<string, EnvelopeValue>(StringComparer.Ordinal)
        {
            ["id"] = EnvelopeValue.Text(Guid.NewGuid().ToString()),
            ["specversion"] = EnvelopeValue.Text(SpecVersion),
            ["datacontenttype"] = EnvelopeValue.Text("application/octet-stream"),
            ["source"] = EnvelopeValue.Text(DefaultSource),
            ["type"] = EnvelopeValue.Text(DefaultType),
            ["topic"] = EnvelopeValue.Text(topic),
            ["pubsubname"] = EnvelopeValue.Text(pubsubName),
            ["data_base64"] = EnvelopeValue.Text(Convert.ToBase64String(data)),
        };
        foreach (var field in new[] { "traceid", "traceparent", "tracestate" })
        {
            if (metadata.TryGetValue(field, out var value))
            {
                fields[field] = EnvelopeValue.Text(value);
            }
        }

        return Serialize(fields);
    }

    /// <summary>True when <paramref name="contentType"/> is <paramref name="expected"/>, ignoring case and parameters.</summary>
    public static bool IsContentType(string? contentType, string expected)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return string.Equals(mediaType, expected, StringComparison.OrdinalIgnoreCase)
            && (semicolon >= 0 || contentType.Length == expected.Length);
    }

    /// <summary>Reads a TTL from <c>ttlInSeconds</c> (or <c>ttl</c>), case-insensitively: a Go duration or whole seconds. Invalid values are ignored, as daprd does when building envelopes.</summary>
    public static bool TryGetTtl(IReadOnlyDictionary<string, string> metadata, out TimeSpan ttl)
    {
        ttl = TimeSpan.Zero;
        var value = metadata.FirstOrDefault(p =>
            string.Equals(p.Key, "ttlInSeconds", StringComparison.OrdinalIgnoreCase) || string.Equals(p.Key, "ttl", StringComparison.OrdinalIgnoreCase)).Value;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (GoDuration.TryParse(value, out var duration))
        {
            ttl = duration < TimeSpan.Zero ? TimeSpan.Zero : duration;
            return true;
        }

        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            ttl = seconds > (long)TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
            return true;
        }

        return false;
    }

    private static SortedDictionary<string, EnvelopeValue> NewEnvelope(EnvelopeRequest request, JsonDocument? body, IReadOnlyDictionary<string, string> metadata, DateTimeOffset localNow)
    {
        // cloudevent.* metadata overrides the generated fields (matched case-insensitively).
        string? Override(string name) => metadata.FirstOrDefault(p => string.Equals(p.Key, "cloudevent." + name, StringComparison.OrdinalIgnoreCase)).Value;

        var traceId = Override("traceparent") is { Length: > 0 } parent ? parent : Override("traceid") ?? request.TraceParent;
        var contentType = string.IsNullOrEmpty(request.DataContentType) ? DefaultDataContentType : request.DataContentType;
        var fields = new SortedDictionary<string, EnvelopeValue>(StringComparer.Ordinal)
        {
            ["id"] = EnvelopeValue.Text(NonEmpty(Override("id")) ?? Guid.NewGuid().ToString()),
            ["specversion"] = EnvelopeValue.Text(SpecVersion),
            ["datacontenttype"] = EnvelopeValue.Text(contentType),
            ["source"] = EnvelopeValue.Text(NonEmpty(Override("source")) ?? NonEmpty(request.Source) ?? DefaultSource),
            ["type"] = EnvelopeValue.Text(NonEmpty(Override("type")) ?? DefaultType),
            ["topic"] = EnvelopeValue.Text(request.Topic),
            ["pubsubname"] = EnvelopeValue.Text(request.PubsubName),
            ["traceid"] = EnvelopeValue.Text(traceId),
            ["traceparent"] = EnvelopeValue.Text(traceId),
            ["tracestate"] = EnvelopeValue.Text(Override("tracestate") ?? request.TraceState),
            ["time"] = EnvelopeValue.Text(FormatTime(localNow)),
        };
        if (NonEmpty(Override("subject")) is { } subject)
        {
            fields["subject"] = EnvelopeValue.Text(subject);
        }

        if (body is not null)
        {
            fields["data"] = EnvelopeValue.Json(body.RootElement);
        }
        else if (IsContentType(contentType, "application/octet-stream") || IsContentType(contentType, "application/cloudevents+protobuf"))
        {
            fields["data_base64"] = EnvelopeValue.Text(Convert.ToBase64String(request.Data.Span));
        }
        else
        {
            fields["data"] = EnvelopeValue.Text(Encoding.UTF8.GetString(request.Data.Span));
        }

        return fields;
    }

    private static SortedDictionary<string, EnvelopeValue> FromCloudEvent(EnvelopeRequest request, JsonDocument? body, DateTimeOffset localNow)
    {
        if (body is not { RootElement: { ValueKind: JsonValueKind.Object } json })
        {
            throw new CloudEventCreationException("the body is declared as application/cloudevents+json but is not a JSON object");
        }

        var fields = new SortedDictionary<string, EnvelopeValue>(StringComparer.Ordinal);
        foreach (var property in GoJsonWriter.SortedProperties(json))
        {
            fields[property.Name] = EnvelopeValue.Json(property.Value);
        }

        if (!fields.ContainsKey("time"))
        {
            fields["time"] = EnvelopeValue.Text(FormatTime(localNow));
        }

        if (!fields.ContainsKey("traceid"))
        {
            fields["traceid"] = EnvelopeValue.Text(request.TraceParent);
            fields["traceparent"] = EnvelopeValue.Text(request.TraceParent);
        }

        if (!fields.ContainsKey("tracestate"))
        {
            fields["tracestate"] = EnvelopeValue.Text(request.TraceState);
        }

        fields["topic"] = EnvelopeValue.Text(request.Topic);
        fields["pubsubname"] = EnvelopeValue.Text(request.PubsubName);
        DefaultWhenNull(fields, "source", DefaultSource);
        DefaultWhenNull(fields, "type", DefaultType);
        DefaultWhenNull(fields, "specversion", SpecVersion);
        return fields;
    }

    private static void DefaultWhenNull(SortedDictionary<string, EnvelopeValue> fields, string name, string value)
    {
        if (!fields.TryGetValue(name, out var existing) || existing.IsNull)
        {
            fields[name] = EnvelopeValue.Text(value);
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    // Go's time.RFC3339: second precision with the local offset, "Z" for UTC.
    private static string FormatTime(DateTimeOffset localNow) =>
        localNow.Offset == TimeSpan.Zero
            ? localNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
            : localNow.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    private static JsonDocument? TryParseJson(ReadOnlyMemory<byte> data)
    {
        try
        {
            return JsonDocument.Parse(data);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Serialize(SortedDictionary<string, EnvelopeValue> fields)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
