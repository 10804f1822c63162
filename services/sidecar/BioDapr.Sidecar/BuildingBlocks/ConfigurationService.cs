using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>
/// The configuration building block (hormones): get, subscribe and unsubscribe with the component's
/// outbound policy and daprd's errors. Throws <see cref="DaprApiException"/>. Where updates go is the
/// caller's choice: the HTTP API hands them to the app, the gRPC API streams them to the caller.
/// </summary>
internal sealed class ConfigurationService(ComponentStore components, ResiliencyProvider resiliency, ConfigurationUpdateDispatcher updates, CancellationToken stopping)
{
    /// <summary>The store by name; throws "not configured" (no stores at all) or "not found".</summary>
    public IConfigurationStore Store(string storeName)
    {
        if (components.ConfigurationStores.Count == 0)
        {
            throw new DaprApiException(DaprErrors.ConfigurationStoresNotConfigured());
        }

        return components.ConfigurationStores.TryGetValue(storeName, out var store)
            ? store
            : throw new DaprApiException(DaprErrors.ConfigurationStoreNotFound(storeName));
    }

    public async Task<IReadOnlyDictionary<string, ConfigurationItem>> GetAsync(string storeName, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        try
        {
            return await resiliency.ForComponentOutbound(storeName, store.Type)
                .ExecuteAsync(ct => store.GetAsync(keys, metadata, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is ResiliencyTimeoutException)
        {
            throw new DaprApiException(DaprErrors.ConfigurationGet(keys, storeName, ex.Message));
        }
    }

    /// <summary>Starts a subscription whose updates go to <paramref name="handler"/>; returns its id. It lives until unsubscribed or the sidecar stops.</summary>
    public async Task<string> SubscribeAsync(string storeName, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> metadata, ConfigurationUpdateHandler handler)
    {
        var store = Store(storeName);
        try
        {
            var id = await resiliency.ForComponentOutbound(storeName, store.Type)
                .ExecuteAsync(ct => store.SubscribeAsync(keys, metadata, handler, ct), stopping);
            updates.Track(storeName, id);
            return id;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is ResiliencyTimeoutException)
        {
            throw new DaprApiException(DaprErrors.ConfigurationSubscribe(keys, storeName, ex.Message));
        }
    }

    public async Task UnsubscribeAsync(string storeName, string subscriptionId, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        try
        {
            await resiliency.ForComponentOutbound(storeName, store.Type).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        await store.UnsubscribeAsync(subscriptionId, ct);
                    }
                    catch (KeyNotFoundException ex)
                    {
                        throw new PermanentFailureException(ex.Message, ex);
                    }

                    return true;
                },
                cancellationToken);
            updates.Forget(storeName, subscriptionId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is ResiliencyTimeoutException)
        {
            var detail = ex is PermanentFailureException { InnerException: { } inner } ? inner.Message : ex.Message;
            throw new DaprApiException(DaprErrors.ConfigurationUnsubscribe(subscriptionId, detail));
        }
    }
}
