using System.Text.Json;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// daprd's JSON for configuration items (<c>{"key":{"value","version","metadata"}}</c>, keys in order): the
/// answer of <c>GET /v1.0/configuration/{store}</c> and the body of an update sent to an HTTP app.
/// </summary>
internal static class ConfigurationItemsJson
{
    /// <summary>Writes items the way the configuration API encodes them (empty fields omitted; a deleted key is <c>{}</c>).</summary>
    public static void Write(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, ConfigurationItem?>> items)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in items.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(key);
            if (item is not null)
            {
                if (item.Value.Length > 0)
                {
                    writer.WriteString("value", item.Value);
                }

                if (item.Version.Length > 0)
                {
                    writer.WriteString("version", item.Version);
                }

                if (item.Metadata.Count > 0)
                {
                    writer.WritePropertyName("metadata");
                    ApiHttp.WriteStringMap(writer, item.Metadata);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
