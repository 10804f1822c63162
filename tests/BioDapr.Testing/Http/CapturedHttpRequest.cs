using System.Text;
using System.Text.Json;

namespace BioDapr.Testing.Http;

/// <summary>
/// A request as <see cref="CapturingHttpMessageHandler"/> saw it: method, URI, every request and
/// content header exactly as it would go on the wire, and the body bytes (read before the response).
/// </summary>
public sealed class CapturedHttpRequest
{
    internal CapturedHttpRequest(HttpMethod method, Uri? requestUri, IReadOnlyDictionary<string, IReadOnlyList<string>> headers, byte[] body)
    {
        Method = method;
        RequestUri = requestUri;
        Headers = headers;
        Body = body;
    }

    /// <summary>The HTTP method.</summary>
    public HttpMethod Method { get; }

    /// <summary>The absolute request URI.</summary>
    public Uri? RequestUri { get; }

    /// <summary>The path with its escapes kept (for example <c>/v1.0/state/store/a%2Fb</c>).</summary>
    public string Path => RequestUri?.AbsolutePath ?? string.Empty;

    /// <summary>The query string without the leading <c>?</c>, escapes kept.</summary>
    public string QueryString => RequestUri is { Query.Length: > 0 } uri ? uri.Query[1..] : string.Empty;

    /// <summary>Path and query as they appear in the request line.</summary>
    public string PathAndQuery => RequestUri?.PathAndQuery ?? string.Empty;

    /// <summary>Request and content headers, names matched case-insensitively.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Headers { get; }

    /// <summary>The body bytes; empty when the request had no content.</summary>
    public byte[] Body { get; }

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The raw Content-Type header, or null when none was sent.</summary>
    public string? ContentType => Header("Content-Type");

    /// <summary>The first value of a header, or null when it is absent.</summary>
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var values) && values.Count > 0 ? string.Join(", ", values) : null;

    /// <summary>True when the header was sent.</summary>
    public bool HasHeader(string name) => Headers.ContainsKey(name);

    /// <summary>The unescaped values of one query parameter, in order.</summary>
    public IReadOnlyList<string> QueryValues(string name) =>
        [.. QueryPairs().Where(pair => pair.Key == name).Select(pair => pair.Value)];

    /// <summary>The single unescaped value of a query parameter, or null when absent.</summary>
    public string? Query(string name) => QueryValues(name) is [var first, ..] ? first : null;

    /// <summary>All query parameters, unescaped, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> QueryPairs() =>
        [.. QueryString.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(part =>
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            return equals < 0
                ? new KeyValuePair<string, string>(Uri.UnescapeDataString(part), string.Empty)
                : new KeyValuePair<string, string>(Uri.UnescapeDataString(part[..equals]), Uri.UnescapeDataString(part[(equals + 1)..]));
        })];

    /// <summary>Parses the body as JSON.</summary>
    public JsonElement BodyJson()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Method} {PathAndQuery}";
}
