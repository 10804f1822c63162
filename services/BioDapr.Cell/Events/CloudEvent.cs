using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Events;

/// <summary>
/// A CloudEvent delivered by the sidecar, with its data bound to <typeparamref name="T"/>. Use it as a
/// handler parameter. <c>data</c> (JSON or text) and <c>data_base64</c> are both understood; with a
/// raw-payload subscription the whole body is the data. When the body or the data cannot be read, the
/// event is marked invalid (<see cref="ReadError"/>) and endpoints declared with <c>WithTopic</c> answer DROP.
/// </summary>
/// <typeparam name="T">The data type: a JSON-bound type, <c>string</c>, <c>byte[]</c> or <c>JsonElement</c>.</typeparam>
public sealed class CloudEvent<T> : ICloudEvent
{
    /// <summary>The event id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Who sent it (the publishing app id with Dapr).</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>The event type.</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>The CloudEvents spec version.</summary>
    public string SpecVersion { get; init; } = string.Empty;

    /// <summary>The event subject, if any.</summary>
    public string? Subject { get; init; }

    /// <summary>When it was published (as sent).</summary>
    public string? Time { get; init; }

    /// <summary>The content type of the data.</summary>
    public string? DataContentType { get; init; }

    /// <summary>The topic it arrived on.</summary>
    public string? Topic { get; init; }

    /// <summary>The pub/sub component.</summary>
    public string? PubSubName { get; init; }

    /// <summary>The W3C traceparent of the publish.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The event data.</summary>
    public T? Data { get; init; }

    /// <summary>Every attribute as sent (extensions included).</summary>
    public IReadOnlyDictionary<string, JsonElement> Attributes { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Why the event could not be read, or null.</summary>
    public string? ReadError { get; init; }

    /// <summary>True when the event was read.</summary>
    public bool IsValid => ReadError is null;

    /// <summary>Minimal-API binding: reads the request body.</summary>
#pragma warning disable CA1000 // Minimal APIs look for BindAsync on the parameter type itself.
    public static async ValueTask<CloudEvent<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var json = context.RequestServices.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions
            ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return Parse(buffer.ToArray(), context.Request.ContentType, json);
    }
#pragma warning restore CA1000

    /// <summary>Parses a delivery body. Never throws: problems end up in <see cref="ReadError"/>.</summary>
#pragma warning disable CA1000 // The parser belongs with the type it builds.
    public static CloudEvent<T> Parse(byte[] body, string? contentType, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentType is null || !contentType.StartsWith("application/cloudevents+json", StringComparison.OrdinalIgnoreCase))
        {
            // A raw payload (subscription metadata rawPayload=true, or a plain POST): the body is the data.
            return TryConvert(body, contentType, json, out var raw, out var rawError)
                ? new CloudEvent<T> { Data = raw, DataContentType = contentType }
                : Invalid(rawError);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return Invalid("the body is not valid JSON: " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid("the CloudEvent is not a JSON object");
            }

            var attributes = root.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
            string? Text(string name) => attributes.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var dataContentType = Text("datacontenttype") ?? "application/json";
            T? data = default;
            string? error = null;
            if (attributes.TryGetValue("data_base64", out var base64))
            {
                try
                {
                    var bytes = Convert.FromBase64String(base64.GetString() ?? string.Empty);
                    if (!TryConvert(bytes, dataContentType, json, out data, out var convertError))
                    {
                        error = convertError;
                    }
                }
                catch (Exception ex) when (ex is FormatException or InvalidOperationException)
                {
                    error = "data_base64 is not valid base64";
                }
            }
            else if (attributes.TryGetValue("data", out var element))
            {
                if (!TryConvertElement(element, json, out data, out var convertError))
                {
                    error = convertError;
                }
            }

            return new CloudEvent<T>
            {
                Id = Text("id") ?? string.Empty,
                Source = Text("source") ?? string.Empty,
                Type = Text("type") ?? string.Empty,
                SpecVersion = Text("specversion") ?? string.Empty,
                Subject = Text("subject"),
                Time = Text("time"),
                DataContentType = dataContentType,
                Topic = Text("topic"),
                PubSubName = Text("pubsubname"),
                TraceParent = Text("traceparent") ?? Text("traceid"),
                Data = data,
                Attributes = attributes,
                ReadError = error,
            };
        }
    }

#pragma warning restore CA1000

    private static CloudEvent<T> Invalid(string error) => new() { ReadError = error };

    private static bool TryConvertElement(JsonElement element, JsonSerializerOptions json, out T? data, out string error)
    {
        data = default;
        error = string.Empty;
        try
        {
            if (typeof(T) == typeof(JsonElement))
            {
                data = (T)(object)element.Clone();
                return true;
            }

            if (typeof(T) == typeof(string))
            {
                data = (T)(object)(element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText());
                return true;
            }

            if (typeof(T) == typeof(byte[]))
            {
                data = (T)(object)Encoding.UTF8.GetBytes(element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText());
                return true;
            }

            // Text data that holds JSON (published as text/plain) is accepted too.
            data = element.ValueKind == JsonValueKind.String && typeof(T) != typeof(string)
                ? JsonSerializer.Deserialize<T>(element.GetString()!, json)
                : element.Deserialize<T>(json);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            error = $"the data does not bind to {typeof(T).Name}: {ex.Message}";
            return false;
        }
    }

    private static bool TryConvert(byte[] bytes, string? contentType, JsonSerializerOptions json, out T? data, out string error)
    {
        data = default;
        error = string.Empty;
        if (typeof(T) == typeof(byte[]))
        {
            data = (T)(object)bytes;
            return true;
        }

        if (typeof(T) == typeof(string))
        {
            data = (T)(object)Encoding.UTF8.GetString(bytes);
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            return TryConvertElement(document.RootElement, json, out data, out error);
        }
        catch (JsonException ex)
        {
            error = $"the data ({contentType ?? "no content type"}) is not JSON for {typeof(T).Name}: {ex.Message}";
            return false;
        }
    }
}

/// <summary>What every <see cref="CloudEvent{T}"/> exposes to filters, whatever its data type.</summary>
public interface ICloudEvent
{
    /// <summary>The event id.</summary>
    string Id { get; }

    /// <summary>Who sent it (the publishing app id with Dapr).</summary>
    string Source { get; }

    /// <summary>The topic.</summary>
    string? Topic { get; }

    /// <summary>Why the event could not be read, or null.</summary>
    string? ReadError { get; }
}
