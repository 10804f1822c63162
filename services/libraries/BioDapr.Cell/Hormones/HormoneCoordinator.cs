using Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Hormones;

/// <summary>
/// Keeps the hormone sets in step with their configuration stores through the SDK's configuration API: the first
/// values come from <see cref="DaprClient.GetConfiguration"/> before the cell serves (so handlers see the store from
/// the first request), then one <see cref="DaprClient.SubscribeConfiguration"/> stream per store carries every
/// change. When a stream ends or fails (the sidecar restarted, say) it subscribes again after
/// <see cref="Hosting.CellOptions.SidecarWatchInterval"/> and re-reads the keys once the new stream is open, so a
/// change made while no stream was open is not missed. Whatever fails, the cell keeps its last good hormones.
/// </summary>
internal sealed partial class HormoneCoordinator(
    HormoneRegistry registry,
    IEnumerable<HormoneActivation> activations,
    DaprClient dapr,
    TimeProvider time,
    ILogger<HormoneCoordinator> logger,
    IOptions<Hosting.CellOptions> options,
    IConfiguration configuration) : BackgroundService
{
    private long _subscriptions;

    /// <summary>How many configuration streams were opened so far (a re-subscription counts again).</summary>
    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var activation in activations)
        {
            activation.Activate();
        }

        foreach (var (store, keys) in Stores())
        {
            await ReadAsync(store, keys, cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Stores().Select(s => FollowAsync(s.Store, s.Keys, stoppingToken)));

    private List<(string Store, List<string> Keys)> Stores() =>
        [.. registry.Bindings.GroupBy(b => b.StoreName, StringComparer.Ordinal)
            .Select(g => (g.Key, g.SelectMany(b => b.ConfigurationKeys).Distinct(StringComparer.Ordinal).ToList()))];

    private async Task FollowAsync(string store, List<string> keys, CancellationToken stoppingToken)
    {
        var metadata = StoreMetadata(store);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var subscription = await dapr.SubscribeConfiguration(store, keys, metadata, stoppingToken);
                var opened = false;
                await foreach (var items in subscription.Source.WithCancellation(stoppingToken))
                {
                    if (!opened)
                    {
                        // The sidecar answers first when the subscription stands; from here on no change is lost,
                        // so read what may have changed while no stream was open.
                        opened = true;
                        Interlocked.Increment(ref _subscriptions);
                        Log.Subscribed(logger, store, keys.Count, subscription.Id);
                        await ReadAsync(store, keys, stoppingToken);
                    }

                    foreach (var (key, item) in items)
                    {
                        registry.Apply(store, key, ValueOf(item));
                    }
                }

                Log.StreamEnded(logger, store);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.StreamFailed(logger, store, Reason(ex));
            }

            try
            {
                await Task.Delay(options.Value.SidecarWatchInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadAsync(string store, List<string> keys, CancellationToken cancellationToken)
    {
        var response = await dapr.GetConfiguration(store, keys, StoreMetadata(store), cancellationToken);
        foreach (var key in keys)
        {
            registry.Apply(store, key, response.Items.TryGetValue(key, out var item) ? ValueOf(item) : null);
        }
    }

    // A deleted key arrives as an item without a value: the property returns to its default.
    private static string? ValueOf(ConfigurationItem? item) => item is null || string.IsNullOrEmpty(item.Value) ? null : item.Value;

    private static string Reason(Exception ex) => ex is Dapr.DaprException { InnerException: Grpc.Core.RpcException rpc }
        ? $"{rpc.StatusCode}: {rpc.Status.Detail}"
        : ex is Grpc.Core.RpcException direct ? $"{direct.StatusCode}: {direct.Status.Detail}" : ex.Message;

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
        [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Hormones of store {Store}: subscribed to {Count} keys (subscription {Id})")]
        public static partial void Subscribed(ILogger logger, string store, int count, string id);

        [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Hormones of store {Store}: the configuration subscription failed ({Reason}); subscribing again")]
        public static partial void StreamFailed(ILogger logger, string store, string reason);

        [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Hormones of store {Store}: the sidecar ended the configuration subscription; subscribing again")]
        public static partial void StreamEnded(ILogger logger, string store);
    }
}
