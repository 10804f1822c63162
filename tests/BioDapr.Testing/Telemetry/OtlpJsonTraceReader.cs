using BioDapr.Launcher.Telemetry;
using System.Globalization;
using System.Text.Json;

namespace BioDapr.Testing.Telemetry;

/// <summary>
/// Reads the spans of an OTLP JSON document (the Aspire dashboard's telemetry API answers
/// <c>{"data": {"resourceSpans": [...]}}</c>): resourceSpans → resource.attributes (service.name) and scopeSpans →
/// scope.name and spans (traceId, spanId, parentSpanId, name, kind, attributes). Ids are hex, as OTLP JSON writes them.
/// </summary>
public static class OtlpJsonTraceReader
{
    /// <summary>The spans of <paramref name="document"/> (its <c>data</c> member, or the document itself); empty when it has none.</summary>
    public static IReadOnlyList<ReceivedSpan> Read(JsonDocument? document)
    {
        if (document is null)
        {
            return [];
        }

        var root = document.RootElement.TryGetProperty("data", out var data) ? data : document.RootElement;
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Array(root, "resourceSpans"))
        {
            var service = resourceSpans.TryGetProperty("resource", out var resource) ? Attributes(resource).GetValueOrDefault("service.name", "") : "";
            foreach (var scopeSpans in Array(resourceSpans, "scopeSpans"))
            {
                var scope = scopeSpans.TryGetProperty("scope", out var scopeElement) ? Text(scopeElement, "name") : "";
                foreach (var span in Array(scopeSpans, "spans"))
                {
                    var kind = span.TryGetProperty("kind", out var kindElement) && kindElement.ValueKind == JsonValueKind.Number ? kindElement.GetInt32() : 0;
                    spans.Add(new ReceivedSpan(
                        service,
                        scope,
                        Text(span, "traceId").ToLowerInvariant(),
                        Text(span, "spanId").ToLowerInvariant(),
                        Text(span, "parentSpanId").ToLowerInvariant(),
                        Text(span, "name"),
                        (ReceivedSpanKind)kind,
                        Attributes(span)));
                }
            }
        }

        return spans;
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                yield return item;
            }
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    // AnyValue: stringValue, intValue (a string in OTLP JSON), boolValue, doubleValue; other kinds are left out.
    private static Dictionary<string, string> Attributes(JsonElement element)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in Array(element, "attributes"))
        {
            if (!attribute.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            string? text = null;
            foreach (var member in value.EnumerateObject())
            {
                text = member.Value.ValueKind switch
                {
                    JsonValueKind.String => member.Value.GetString(),
                    JsonValueKind.Number => member.Value.GetRawText(),
                    JsonValueKind.True or JsonValueKind.False => member.Value.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
                    _ => null,
                };
            }

            if (text is not null)
            {
                attributes[Text(attribute, "key")] = text;
            }
        }

        return attributes;
    }
}
