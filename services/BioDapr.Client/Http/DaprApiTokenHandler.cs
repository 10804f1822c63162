namespace BioDapr.Client;

/// <summary>
/// Adds the <c>dapr-api-token</c> header to every request when the resolved connection has a token.
/// A request that already carries the header is left alone.
/// </summary>
public sealed class DaprApiTokenHandler : DelegatingHandler
{
    /// <summary>The header daprd reads the API token from.</summary>
    public const string HeaderName = "dapr-api-token";

    private readonly string? _token;

    /// <summary>Creates the handler for <paramref name="connection"/>'s token.</summary>
    public DaprApiTokenHandler(DaprSidecarConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _token = connection.ApiToken;
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_token is not null && !request.Headers.Contains(HeaderName))
        {
            request.Headers.TryAddWithoutValidation(HeaderName, _token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
