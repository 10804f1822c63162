using System.Buffers;
using System.Text.Json;
using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// Parses the state API's request objects (<c>{key, value, etag, metadata, options}</c>) with Go's
/// rules: field names match case-insensitively; an empty etag means none; <c>value</c> is kept as
/// compact JSON bytes (absent → <c>null</c>).
/// </summary>
internal static class StateRequestParser
{
    /// <summary>One parsed item (key not yet prefixed).</summary>
    public sealed record Item(string Key, byte[] Value, string? ETag, Dictionary<string, string>? Metadata, StateConcurrency Concurrency, StateConsistency Consistency);

    public static Item Parse(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"expected a JSON object, got {element.ValueKind}");
        }

        var key = string.Empty;
        byte[] value = "null"u8.ToArray();
        string? etag = null;
        Dictionary<string, string>? metadata = null;
        var concurrency = StateConcurrency.Unspecified;
        var consistency = StateConsistency.Unspecified;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name.ToLowerInvariant())
            {
                case "key":
                    key = ExpectString(property);
                    break;
                case "value":
                    value = Compact(property.Value);
                    break;
                case "etag":
                    etag = property.Value.ValueKind == JsonValueKind.Null ? null : ExpectString(property);
                    break;
                case "metadata":
                    metadata = ParseStringMap(property.Value, "metadata");
                    break;
                case "options":
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var option in property.Value.EnumerateObject())
                        {
                            switch (option.Name.ToLowerInvariant())
                            {
                                case "concurrency":
                                    concurrency = ParseConcurrency(ExpectString(option));
                                    break;
                                case "consistency":
                                    consistency = ParseConsistency(ExpectString(option));
                                    break;
                            }
                        }
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        throw new JsonException("options must be an object");
                    }

                    break;
            }
        }

        return new Item(key, value, string.IsNullOrEmpty(etag) ? null : etag, metadata, concurrency, consistency);
    }

    public static StateConcurrency ParseConcurrency(string? value) => value switch
    {
        null or "" => StateConcurrency.Unspecified,
        "first-write" => StateConcurrency.FirstWrite,
        "last-write" => StateConcurrency.LastWrite,
        _ => throw new ArgumentException($"invalid concurrency value {value}: must be first-write or last-write"),
    };

    public static StateConsistency ParseConsistency(string? value) => value switch
    {
        null or "" => StateConsistency.Unspecified,
        "strong" => StateConsistency.Strong,
        "eventual" => StateConsistency.Eventual,
        _ => throw new ArgumentException($"invalid consistency value {value}: must be strong or eventual"),
    };

    public static Dictionary<string, string>? ParseStringMap(JsonElement element, string field)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"{field} must be an object of strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new JsonException($"{field}.{property.Name} must be a string");
        }

        return map;
    }

    /// <summary>The JSON value re-written compactly.</summary>
    public static byte[] Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            value.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string ExpectString(JsonProperty property) =>
        property.Value.ValueKind == JsonValueKind.String
            ? property.Value.GetString()!
            : throw new JsonException($"field \"{property.Name}\" must be a string, got {property.Value.ValueKind}");
}
