using System.Buffers;
using System.Text.Json;

namespace BioDapr.Client;

/// <summary>Request bodies for the sidecar API, with the Content-Type header sent exactly as given.</summary>
internal static class DaprHttpContent
{
    /// <summary>
    /// A body with <paramref name="contentType"/> copied verbatim: daprd puts the header unchanged into
    /// the CloudEvent's <c>datacontenttype</c>, so no charset or other parameter may be added.
    /// Null sends no Content-Type header.
    /// </summary>
    public static HttpContent Bytes(ReadOnlyMemory<byte> data, string? contentType)
    {
        var content = new ReadOnlyMemoryContent(data);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    /// <summary>A body serialized from <paramref name="value"/> with the application's serializer options.</summary>
    public static HttpContent Serialize<T>(T value, JsonSerializerOptions options, string contentType) =>
        Bytes(JsonSerializer.SerializeToUtf8Bytes(value, options), contentType);

    /// <summary>A JSON body produced by <paramref name="write"/>.</summary>
    public static HttpContent Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Bytes(buffer.WrittenMemory, DaprContentTypes.Json);
    }

    /// <summary>Writes <paramref name="metadata"/> as a JSON object property, unless it is null.</summary>
    public static void WriteMetadata(Utf8JsonWriter writer, string propertyName, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        writer.WriteStartObject(propertyName);
        foreach (var (key, value) in metadata)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes an <c>options</c> object unless nothing in it is set.</summary>
    public static void WriteStateOptions(Utf8JsonWriter writer, StateWriteOptions? options)
    {
        if (options is null || options.IsEmpty)
        {
            return;
        }

        writer.WriteStartObject("options");
        if (StateWriteOptions.ToWire(options.Concurrency) is { } concurrency)
        {
            writer.WriteString("concurrency", concurrency);
        }

        if (StateWriteOptions.ToWire(options.Consistency) is { } consistency)
        {
            writer.WriteString("consistency", consistency);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes <paramref name="value"/> as the property <paramref name="propertyName"/> with the application's options.</summary>
    public static void WriteValue(Utf8JsonWriter writer, string propertyName, object? value, JsonSerializerOptions options)
    {
        writer.WritePropertyName(propertyName);
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
        }
    }
}
