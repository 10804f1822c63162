using System.Text.RegularExpressions;
using BioDapr.Contracts.Hormones;
using BioDapr.Cortex.Hormones;
using Dapr.Client;

namespace BioDapr.Cortex.Dashboard;

/// <summary>
/// Keeps the page's hormones current: one Dapr configuration subscription to every key of the <c>hormones</c> store
/// (the store's keyspace notifications, pushed by the sidecar), then a read of every key, so a change made while
/// subscribing is not missed. Each change is matched with its recorded origin (<see cref="HormoneOrigins"/>); a change
/// with none (a <c>redis-cli SET</c>) is shown as a direct store write. When the stream ends or fails (the sidecar
/// restarted), it subscribes again after a pause.
/// </summary>
public sealed partial class HormoneWatcher(DaprClient dapr, IHormoneStore store, OrganismView view, TimeProvider time, ILogger<HormoneWatcher> logger) : BackgroundService
{
    private const int OriginsKept = 20_000;
    private readonly Dictionary<(string Key, string Version), HormoneOriginRecord> _origins = [];
    private readonly Queue<(string Key, string Version)> _originOrder = new();
    private string _lastOrigin = "0";

    /// <summary>Whether <paramref name="key"/> is a hormone (<c>cell.name[.name…]</c>), not another string in the same Redis.</summary>
    public static bool IsHormoneKey(string key) => HormonePattern().IsMatch(key);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var subscription = await dapr.SubscribeConfiguration(HormoneKeys.Store, [], cancellationToken: stoppingToken);
                var all = await dapr.GetConfiguration(HormoneKeys.Store, [], cancellationToken: stoppingToken);
                await ReadOriginsAsync(stoppingToken);
                var loaded = new List<HormoneView>();
                foreach (var (key, item) in all.Items)
                {
                    if (IsHormoneKey(key) && !string.IsNullOrEmpty(item.Value))
                    {
                        var origin = _origins.GetValueOrDefault((key, item.Version));
                        loaded.Add(new HormoneView(key, item.Value, item.Version, origin?.By ?? HormoneOrigin.Unrecorded, origin?.Reason ?? string.Empty, []));
                    }
                }

                view.LoadHormones(loaded);
                Log.Subscribed(logger, loaded.Count);
                await foreach (var items in subscription.Source.WithCancellation(stoppingToken))
                {
                    foreach (var (key, item) in items)
                    {
                        if (!IsHormoneKey(key))
                        {
                            continue;
                        }

                        var value = string.IsNullOrEmpty(item?.Value) ? null : item.Value;
                        var version = item?.Version ?? string.Empty;
                        var origin = value is null ? null : await OriginOfAsync(key, version, stoppingToken);
                        view.HormoneChanged(key, value, version, origin?.By ?? (value is null ? "deleted" : HormoneOrigin.Unrecorded), origin?.Reason ?? string.Empty);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.Failed(logger, ex.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<HormoneOriginRecord?> OriginOfAsync(string key, string version, CancellationToken cancellationToken)
    {
        if (_origins.TryGetValue((key, version), out var known))
        {
            return known;
        }

        try
        {
            // The writer records the origin in the same transaction as the value, so it is there by now.
            await ReadOriginsAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.OriginsFailed(logger, ex.Message);
        }

        return _origins.GetValueOrDefault((key, version));
    }

    private async Task ReadOriginsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var records = await store.OriginsAsync(_lastOrigin, 1_000, cancellationToken);
            foreach (var record in records)
            {
                if (_origins.TryAdd((record.Key, record.Version), record))
                {
                    _originOrder.Enqueue((record.Key, record.Version));
                }

                _lastOrigin = record.Id;
            }

            while (_originOrder.Count > OriginsKept)
            {
                _origins.Remove(_originOrder.Dequeue());
            }

            if (records.Count < 1_000)
            {
                return;
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*\\.[A-Za-z0-9][A-Za-z0-9.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex HormonePattern();

    private static partial class Log
    {
        [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "Organism page: subscribed to every hormone ({Count} in force)")]
        public static partial void Subscribed(ILogger logger, int count);

        [LoggerMessage(EventId = 621, Level = LogLevel.Warning, Message = "Organism page: the hormone subscription failed ({Reason}); subscribing again")]
        public static partial void Failed(ILogger logger, string reason);

        [LoggerMessage(EventId = 622, Level = LogLevel.Warning, Message = "Organism page: could not read the hormone origins ({Reason}); the change is shown without one")]
        public static partial void OriginsFailed(ILogger logger, string reason);
    }
}
