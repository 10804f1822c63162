using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// The names, attributes and status daprd gives its spans (dapr/dapr <c>pkg/diagnostics</c> and the API groups'
/// <c>AppendSpanAttributes</c>): an HTTP API call is named after its path, service invocation
/// <c>CallLocal/&lt;app-id&gt;/&lt;method&gt;</c> with <c>rpc.service</c>; state calls carry <c>db.*</c>, publishing
/// <c>messaging.*</c>; every call <c>dapr.api</c>, <c>dapr.protocol</c> and <c>dapr.status_code</c>. Computed only for
/// recorded spans, as daprd does.
/// </summary>
internal static class DaprSpanAttributes
{
    /// <summary>The name and attributes of the span of an HTTP API call answered with <paramref name="status"/>.</summary>
    public static (string Name, KeyValuePair<string, string>[] Attributes) ForHttpApi(HttpContext context, string[] segments, int status)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var api = request.Method + " " + path;
        var attributes = new List<KeyValuePair<string, string>>(11)
        {
            new("dapr.protocol", "http"),
            new("dapr.api", api),
            new("dapr.status_code", status.ToString(CultureInfo.InvariantCulture)),
            new("http.request.method", request.Method),
            new("url.full", path + request.QueryString.Value),
        };
        if (context.Connection.RemoteIpAddress is { } remote)
        {
            // daprd takes these from the request's remote address.
            attributes.Add(new("server.address", remote.ToString()));
            attributes.Add(new("server.port", context.Connection.RemotePort.ToString(CultureInfo.InvariantCulture)));
        }

        var name = path;
        var area = segments.Length > 2 ? segments[1] : string.Empty;
        switch (area)
        {
            case "invoke" when segments.Length > 3 && segments[3] == "method":
                var appId = segments[2];
                name = "CallLocal/" + appId + "/" + string.Join('/', segments.AsSpan(4));
                attributes.Add(new("rpc.service", "ServiceInvocation"));
                attributes.Add(new("net.peer.name", appId));
                break;
            case "state":
                attributes.Add(new("db.system", "state"));
                attributes.Add(new("db.connection_string", "state"));
                attributes.Add(new("db.statement", api));
                attributes.Add(new("db.name", segments[2]));
                break;
            case "publish" when segments.Length > 3:
                attributes.Add(new("messaging.system", "pubsub"));
                attributes.Add(new("messaging.destination.name", string.Join('/', segments.AsSpan(3))));
                break;
        }

        return (name, attributes.ToArray());
    }

    /// <summary>daprd's status description of an HTTP answer: an error from 400 on (<c>Code(404): Not Found</c>), else none.</summary>
    public static string? HttpError(int status)
    {
        if (status < 400)
        {
            return null;
        }

        var reason = ReasonPhrases.GetReasonPhrase(status);
        return "Code(" + status.ToString(CultureInfo.InvariantCulture) + "): " + (reason.Length == 0 ? "Unknown" : reason);
    }
}
