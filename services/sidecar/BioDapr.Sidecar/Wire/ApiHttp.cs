using System.Buffers;
using System.Text;
using System.Text.Json;

namespace BioDapr.Sidecar.Wire;

/// <summary>Small helpers shared by the API handlers: daprd's response conventions and request parsing.</summary>
internal static class ApiHttp
{
    public const string JsonContentType = "application/json";

    /// <summary>daprd's request metadata: query parameters <c>metadata.&lt;key&gt;</c> (case-sensitive prefix), first value only.</summary>
    public static Dictionary<string, string> Metadata(HttpRequest request)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in request.Query)
        {
            if (key.StartsWith("metadata.", StringComparison.Ordinal) && values.Count > 0)
            {
                metadata[key["metadata.".Length..]] = values[0] ?? string.Empty;
            }
        }

        return metadata;
    }

    /// <summary>
    /// Reads the whole body, failing with <see cref="RequestBodyTooLargeException"/> past the sidecar's
    /// max body size (daprd's limit reader yields "stream too large" at the same point).
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            throw new RequestBodyTooLargeException();
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length and > 0 ? (int)length : 4096);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw new RequestBodyTooLargeException();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a daprd error answer.</summary>
    public static Task WriteErrorAsync(HttpResponse response, DaprError error)
    {
        response.StatusCode = error.StatusCode;
        response.ContentType = JsonContentType;
        return response.Body.WriteAsync(error.ToJson()).AsTask();
    }

    /// <summary>204 No Content.</summary>
    public static void WriteEmpty(HttpResponse response) => response.StatusCode = StatusCodes.Status204NoContent;

    /// <summary>Writes raw bytes with daprd's default JSON content type unless one was set.</summary>
    public static Task WriteDataAsync(HttpResponse response, int statusCode, ReadOnlyMemory<byte> data, string? contentType = null)
    {
        response.StatusCode = statusCode;
        response.ContentType = contentType ?? response.ContentType ?? JsonContentType;
        return response.Body.WriteAsync(data).AsTask();
    }

    /// <summary>Writes JSON the way Go's <c>json.NewEncoder(w).Encode</c> does: followed by a newline.</summary>
    public static async Task WriteEncodedJsonAsync(HttpResponse response, int statusCode, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            write(writer);
        }

        buffer.Write("\n"u8);
        response.StatusCode = statusCode;
        response.ContentType = JsonContentType;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }

    /// <summary>The 401 daprd answers for a missing or wrong API token: text/plain, not JSON.</summary>
    public static Task WriteInvalidTokenAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        return response.Body.WriteAsync(Encoding.UTF8.GetBytes("invalid api token\n")).AsTask();
    }

    /// <summary>Writes a string→string map as a JSON object, keys sorted like a Go map.</summary>
    public static void WriteStringMap(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, string>> map)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }
}
