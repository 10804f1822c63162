namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>
    /// Reads configuration items (<c>GET /v1.0/configuration/{store}?key=…</c>); all keys when
    /// <paramref name="keys"/> is empty. Missing keys are left out; an empty result (204) gives an empty map.
    /// </summary>
    Task<IReadOnlyDictionary<string, DaprConfigurationItem>> GetConfigurationAsync(string storeName, IReadOnlyList<string>? keys = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to changes (<c>GET /v1.0/configuration/{store}/subscribe?key=…</c>) and returns the
    /// subscription id. daprd then POSTs every change to the app at <c>/configuration/{store}/{key}</c>,
    /// so the sidecar must have an app port.
    /// </summary>
    Task<string> SubscribeConfigurationAsync(string storeName, IReadOnlyList<string>? keys = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Stops a subscription (<c>GET /v1.0/configuration/{store}/{id}/unsubscribe</c>); an unknown id throws.</summary>
    Task UnsubscribeConfigurationAsync(string storeName, string subscriptionId, CancellationToken cancellationToken = default);
}
