using System.Text;

namespace BioDapr.Client;

/// <summary>
/// Builds a relative sidecar API path with escaped segments and query parameters. Route parameters
/// are escaped whole (a state key's <c>/</c> becomes <c>%2F</c>, which daprd unescapes); wildcard
/// routes (topics, invoked methods) are escaped segment by segment so their <c>/</c> stays a separator.
/// </summary>
internal sealed class DaprRequestPath
{
    private readonly StringBuilder _path = new();
    private readonly StringBuilder _query = new();

    private DaprRequestPath(string apiVersion) => _path.Append(apiVersion);

    /// <summary>Starts a path under <c>v1.0</c>.</summary>
    public static DaprRequestPath V1() => new("v1.0");

    /// <summary>Starts a path under <c>v1.0-alpha1</c>.</summary>
    public static DaprRequestPath V1Alpha1() => new("v1.0-alpha1");

    /// <summary>Appends a fixed, already safe segment such as <c>state</c>.</summary>
    public DaprRequestPath Literal(string segment)
    {
        _path.Append('/').Append(segment);
        return this;
    }

    /// <summary>Appends one route parameter, escaping every reserved character including <c>/</c>.</summary>
    public DaprRequestPath Segment(string value)
    {
        _path.Append('/').Append(Uri.EscapeDataString(value));
        return this;
    }

    /// <summary>Appends a wildcard value: each <c>/</c>-separated part is escaped, the separators are kept.</summary>
    public DaprRequestPath Segments(string value)
    {
        _path.Append('/');
        var first = true;
        foreach (var part in value.Split('/'))
        {
            if (!first)
            {
                _path.Append('/');
            }

            _path.Append(Uri.EscapeDataString(part));
            first = false;
        }

        return this;
    }

    /// <summary>Appends an already encoded query string (without the leading <c>?</c>).</summary>
    public DaprRequestPath RawQuery(string encodedQuery)
    {
        if (encodedQuery.Length > 0)
        {
            _query.Append(_query.Length == 0 ? '?' : '&').Append(encodedQuery);
        }

        return this;
    }

    /// <summary>Adds one query parameter.</summary>
    public DaprRequestPath Query(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }

        _query.Append(_query.Length == 0 ? '?' : '&')
            .Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    /// <summary>Adds every entry as <c>metadata.&lt;key&gt;=&lt;value&gt;</c>.</summary>
    public DaprRequestPath Metadata(IEnumerable<KeyValuePair<string, string>>? metadata)
    {
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                Query("metadata." + key, value ?? string.Empty);
            }
        }

        return this;
    }

    /// <inheritdoc />
    public override string ToString() => _path.ToString() + _query.ToString();
}
