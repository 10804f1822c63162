namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, DaprConfigurationItem>> GetConfigurationAsync(string storeName, IReadOnlyList<string>? keys = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        var path = AddKeys(DaprRequestPath.V1().Literal("configuration").Segment(storeName), keys).Metadata(metadata);
        var items = await _transport.SendForProtocolJsonAsync(
            _transport.CreateRequest(HttpMethod.Get, path),
            DaprProtocolJsonContext.Default.DictionaryStringDaprConfigurationItem,
            cancellationToken).ConfigureAwait(false);
        return items ?? [];
    }

    /// <inheritdoc />
    public async Task<string> SubscribeConfigurationAsync(string storeName, IReadOnlyList<string>? keys = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        var path = AddKeys(DaprRequestPath.V1().Literal("configuration").Segment(storeName).Literal("subscribe"), keys).Metadata(metadata);
        using var request = _transport.CreateRequest(HttpMethod.Get, path);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await DaprHttpTransport.ReadProtocolJsonAsync(request, response, DaprProtocolJsonContext.Default.ConfigurationSubscribeBody, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(body?.Id))
        {
            throw new DaprApiException(
                $"{DaprHttpTransport.Describe(request)} answered {(int)response.StatusCode} without a subscription id.",
                response.StatusCode, null, null, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }

        return body.Id;
    }

    /// <inheritdoc />
    public async Task UnsubscribeConfigurationAsync(string storeName, string subscriptionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentException.ThrowIfNullOrEmpty(subscriptionId);
        var path = DaprRequestPath.V1().Literal("configuration").Segment(storeName).Segment(subscriptionId).Literal("unsubscribe");

        // daprd reports a failed unsubscribe as 500 {"ok":false,"message":…}, which the transport maps
        // through the message field; a 200 that still says ok:false is treated the same way.
        using var request = _transport.CreateRequest(HttpMethod.Get, path);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await DaprHttpTransport.ReadProtocolJsonAsync(request, response, DaprProtocolJsonContext.Default.ConfigurationUnsubscribeBody, cancellationToken).ConfigureAwait(false);
        if (body is { Ok: false })
        {
            throw new DaprApiException(
                $"{DaprHttpTransport.Describe(request)} did not unsubscribe '{subscriptionId}': {body.Message}",
                response.StatusCode, null, body.Message, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    private static DaprRequestPath AddKeys(DaprRequestPath path, IReadOnlyList<string>? keys)
    {
        if (keys is not null)
        {
            foreach (var key in keys)
            {
                path.Query("key", key);
            }
        }

        return path;
    }
}
