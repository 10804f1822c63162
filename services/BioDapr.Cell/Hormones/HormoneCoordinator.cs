using BioDapr.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Hormones;

/// <summary>
/// Keeps the hormones in step with the configuration store: at start it reads every key and subscribes;
/// whenever the sidecar may have restarted (it calls <c>GET /dapr/subscribe</c> again, or the watchdog
/// sees it come back after being unreachable) it reads every key again and subscribes again; at stop it
/// unsubscribes.
/// </summary>
internal sealed partial class HormoneCoordinator(
    HormoneRegistry registry,
    IEnumerable<HormoneActivation> activations,
    IDaprSidecarClient sidecar,
    TimeProvider time,
    ILogger<HormoneCoordinator> logger,
    Microsoft.Extensions.Options.IOptions<Hosting.CellOptions> options,
    Microsoft.Extensions.Configuration.IConfiguration configuration) : BackgroundService
{
    private readonly SemaphoreSlim _resync = new(0, 1);
    private readonly Dictionary<string, string> _subscriptions = new(StringComparer.Ordinal);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var activation in activations)
        {
            activation.Activate();
        }

        if (registry.Bindings.Count > 0)
        {
            // Load before the app serves traffic, so handlers see the store's values from the first request.
            await SyncAsync(cancellationToken);
        }

        registry.ResyncRequested += OnResyncRequested;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        registry.ResyncRequested -= OnResyncRequested;
        await base.StopAsync(cancellationToken);
        foreach (var (store, id) in _subscriptions)
        {
            try
            {
                await sidecar.UnsubscribeConfigurationAsync(store, id, cancellationToken);
            }
            catch (Exception ex) when (ex is DaprApiException or HttpRequestException or TaskCanceledException)
            {
                Log.UnsubscribeFailed(logger, store, ex.Message);
            }
        }
    }

    public override void Dispose()
    {
        _resync.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (registry.Bindings.Count == 0)
        {
            return;
        }

        var wasHealthy = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool requested;
            using (var timeout = new CancellationTokenSource(options.Value.SidecarWatchInterval, time))
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token))
            {
                try
                {
                    await _resync.WaitAsync(wait.Token);
                    requested = true;
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    requested = false;
                }
            }

            bool healthy;
            try
            {
                healthy = await sidecar.CheckOutboundHealthAsync(stoppingToken);
            }
            catch (Exception) when (!stoppingToken.IsCancellationRequested)
            {
                healthy = false;
            }

            if (healthy && (requested || !wasHealthy))
            {
                try
                {
                    await SyncAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Whatever went wrong, the cell keeps running on its last good hormones and tries again.
                    Log.SyncFailed(logger, ex.Message);
                    healthy = false;
                }
            }

            wasHealthy = healthy;
        }
    }

    private void OnResyncRequested()
    {
        try
        {
            _resync.Release();
        }
        catch (SemaphoreFullException)
        {
            // A resync is already pending.
        }
    }

    private async Task SyncAsync(CancellationToken cancellationToken)
    {
        foreach (var group in registry.Bindings.GroupBy(b => b.StoreName))
        {
            var keys = group.SelectMany(b => b.ConfigurationKeys).Distinct(StringComparer.Ordinal).ToList();
            var metadata = StoreMetadata(group.Key);
            var items = await sidecar.GetConfigurationAsync(group.Key, keys, metadata, cancellationToken);
            foreach (var key in keys)
            {
                registry.Apply(group.Key, key, items.TryGetValue(key, out var item) ? item.Value : null);
            }

            if (_subscriptions.Remove(group.Key, out var old))
            {
                try
                {
                    await sidecar.UnsubscribeConfigurationAsync(group.Key, old, cancellationToken);
                }
                catch (DaprApiException)
                {
                    // The old subscription died with the old sidecar.
                }
            }

            _subscriptions[group.Key] = await sidecar.SubscribeConfigurationAsync(group.Key, keys, metadata, cancellationToken);
            Log.Subscribed(logger, group.Key, keys.Count);
        }
    }

    // Store-specific request metadata from configuration (Hormones:<store>:Metadata:<name>), such as the
    // sentinelKey and label that configuration.azure.appconfig needs; Redis needs none.
    private Dictionary<string, string>? StoreMetadata(string store)
    {
        var section = configuration.GetSection($"Hormones:{store}:Metadata");
        var metadata = section.GetChildren().Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        return metadata.Count == 0 ? null : metadata;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Hormones of store {Store} loaded and subscribed ({Count} keys)")]
        public static partial void Subscribed(ILogger logger, string store, int count);

        [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Could not re-read hormones: {Reason}; will retry")]
        public static partial void SyncFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 122, Level = LogLevel.Debug, Message = "Could not unsubscribe from configuration store {Store}: {Reason}")]
        public static partial void UnsubscribeFailed(ILogger logger, string store, string reason);
    }
}
