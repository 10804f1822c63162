namespace BioDapr.Sidecar.Components.Secrets;

/// <summary>A secret store component (<c>secretstores.*</c>): the immune layer's source of credentials.</summary>
internal interface ISecretStore : IComponent
{
    /// <summary>Returns the key/value pairs of one secret. Throws <see cref="SecretNotFoundException"/> when the store has no such secret.</summary>
    Task<IReadOnlyDictionary<string, string>> GetSecretAsync(
        string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>Returns every secret: name → (key → value).</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretsAsync(
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);
}
