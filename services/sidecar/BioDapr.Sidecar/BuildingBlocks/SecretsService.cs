using BioDapr.Sidecar.Components.Secrets;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>
/// The secrets building block: store lookup, the Configuration's secret scopes, the component's
/// outbound policy and daprd's errors. Throws <see cref="DaprApiException"/>.
/// </summary>
internal sealed class SecretsService(ComponentStore components, SidecarConfiguration configuration, ResiliencyProvider resiliency)
{
    /// <summary>The store by name; throws "not configured" (no stores at all) or "not found".</summary>
    public ISecretStore Store(string storeName)
    {
        if (components.SecretStores.Count == 0)
        {
            throw new DaprApiException(DaprErrors.SecretStoresNotConfigured());
        }

        return components.SecretStores.TryGetValue(storeName, out var store)
            ? store
            : throw new DaprApiException(DaprErrors.SecretStoreNotFound(storeName));
    }

    /// <summary>One secret (its key/value map); denied by scope → permission denied; missing → ERR_SECRET_GET.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string storeName, string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        if (!configuration.IsSecretAllowed(storeName, name))
        {
            throw new DaprApiException(DaprErrors.SecretPermissionDenied(name, storeName));
        }

        try
        {
            return await resiliency.ForComponentOutbound(storeName, store.Type).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        return await store.GetSecretAsync(name, metadata, ct);
                    }
                    catch (SecretNotFoundException ex)
                    {
                        throw new PermanentFailureException(ex.Message, ex);
                    }
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is ResiliencyTimeoutException)
        {
            var detail = ex is PermanentFailureException { InnerException: { } inner } ? inner.Message : ex.Message;
            throw new DaprApiException(DaprErrors.SecretGet(name, storeName, detail));
        }
    }

    /// <summary>Every secret the scopes allow (the others are silently left out, as daprd does).</summary>
    public async Task<IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<string, string>>>> GetBulkAsync(string storeName, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets;
        try
        {
            secrets = await resiliency.ForComponentOutbound(storeName, store.Type)
                .ExecuteAsync(ct => store.GetBulkSecretsAsync(metadata, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is ResiliencyTimeoutException)
        {
            throw new DaprApiException(DaprErrors.BulkSecretGet(storeName, ex.Message));
        }

        return secrets.Where(s => configuration.IsSecretAllowed(storeName, s.Key)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
    }
}
