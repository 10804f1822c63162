using System.Text.Json;

namespace BioDapr.Sidecar.Wire;

/// <summary>
/// Re-writes parsed JSON the way Go's <c>encoding/json</c> marshals a decoded <c>map[string]any</c>:
/// object keys sorted by byte order (the last duplicate wins), numbers kept exactly as written
/// (daprd decodes with <c>UseNumber</c>), no insignificant whitespace.
/// </summary>
internal static class GoJsonWriter
{
    /// <summary>Writes <paramref name="element"/> with sorted keys.</summary>
    public static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in SortedProperties(element))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>The properties of an object, deduplicated (last wins) and sorted ordinally.</summary>
    public static IEnumerable<JsonProperty> SortedProperties(JsonElement element)
    {
        var byName = new Dictionary<string, JsonProperty>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            byName[property.Name] = property;
        }

        return byName.Values.OrderBy(p => p.Name, StringComparer.Ordinal);
    }
}
