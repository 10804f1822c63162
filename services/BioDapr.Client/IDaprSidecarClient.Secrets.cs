namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>
    /// Reads one secret (<c>GET /v1.0/secrets/{store}/{name}</c>) as key/value pairs; single-valued stores
    /// return <c>{name: value}</c>. An empty answer (204) gives an empty map.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string storeName, string name, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads every secret the app may see (<c>GET /v1.0/secrets/{store}/bulk</c>): secret name → key/value
    /// pairs. Secrets denied by scopes are left out by daprd. An empty answer (204) gives an empty map.
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretsAsync(string storeName, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
