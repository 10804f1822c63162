namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string storeName, string name, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = DaprRequestPath.V1().Literal("secrets").Segment(storeName).Segment(name).Metadata(metadata);
        var secret = await _transport.SendForProtocolJsonAsync(
            _transport.CreateRequest(HttpMethod.Get, path),
            DaprProtocolJsonContext.Default.DictionaryStringString,
            cancellationToken).ConfigureAwait(false);
        return secret ?? [];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretsAsync(string storeName, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        var path = DaprRequestPath.V1().Literal("secrets").Segment(storeName).Literal("bulk").Metadata(metadata);
        var secrets = await _transport.SendForProtocolJsonAsync(
            _transport.CreateRequest(HttpMethod.Get, path),
            DaprProtocolJsonContext.Default.DictionaryStringDictionaryStringString,
            cancellationToken).ConfigureAwait(false);
        return secrets is null
            ? new Dictionary<string, IReadOnlyDictionary<string, string>>()
            : secrets.ToDictionary(pair => pair.Key, pair => (IReadOnlyDictionary<string, string>)pair.Value);
    }
}
