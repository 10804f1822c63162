using BioDapr.Sidecar.AppChannel;

namespace BioDapr.Sidecar.Actors;

/// <summary>Moves an actor call between ASP.NET Core and the app channel: request headers in, the turn's answer out.</summary>
internal static class ActorCallHttp
{
    /// <summary>A request message carrying <paramref name="body"/> and the caller's end-to-end headers.</summary>
    public static HttpRequestMessage RequestFrom(HttpRequest source, byte[] body)
    {
        var request = new HttpRequestMessage { Content = new ByteArrayContent(body) };
        foreach (var (name, values) in source.Headers)
        {
            if (AppChannelClient.HopByHopHeaders.Contains(name) || string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, Security.PeerAuthenticator.CredentialHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return request;
    }

    /// <summary>Writes the turn's status, headers and body.</summary>
    public static async Task WriteAsync(HttpResponse response, ActorCallResult result, CancellationToken cancellationToken)
    {
        response.StatusCode = result.StatusCode;
        foreach (var (name, values) in result.Headers)
        {
            if (!string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(name, Invocation.InternalChannel.ErrorHeader, StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.Append(name, values);
            }
        }

        await response.Body.WriteAsync(result.Body, cancellationToken);
    }
}
