namespace BioDapr.Sidecar.Components.Configuration;

/// <summary>A configuration store component (<c>configuration.*</c>): the source of hormones.</summary>
internal interface IConfigurationStore : IComponent
{
    /// <summary>Reads the given keys (all keys when empty). Missing keys are left out.</summary>
    Task<IReadOnlyDictionary<string, ConfigurationItem>> GetAsync(
        IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>
    /// Watches the given keys (all keys when empty) and calls <paramref name="handler"/> for every change.
    /// Returns the subscription id (a random UUID).
    /// </summary>
    Task<string> SubscribeAsync(
        IReadOnlyList<string> keys,
        IReadOnlyDictionary<string, string> metadata,
        ConfigurationUpdateHandler handler,
        CancellationToken cancellationToken);

    /// <summary>Stops a subscription. Throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    Task UnsubscribeAsync(string subscriptionId, CancellationToken cancellationToken);
}

/// <summary>Receives one change event of a configuration subscription.</summary>
internal delegate Task ConfigurationUpdateHandler(ConfigurationUpdateEvent update, CancellationToken cancellationToken);
