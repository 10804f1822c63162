using System.Collections.Concurrent;
using System.Text;
using BioDapr.Redis;
using BioDapr.Sidecar.Components.Redis;

namespace BioDapr.Sidecar.Components.Configuration;

/// <summary>
/// <c>configuration.redis</c> with Dapr's layout: each configuration key is a plain Redis string
/// <c>value||version</c>. Subscriptions use keyspace notifications (the store enables
/// <c>notify-keyspace-events Kg$xe</c>, as Dapr does) and re-read a key on every notification.
/// After a lost connection the subscriber re-subscribes and re-reads its keys, so changes made while
/// it was away are still delivered.
/// </summary>
internal sealed partial class RedisConfigurationStore : IConfigurationStore
{
    /// <summary>How long a resubscription keeps retrying while Redis comes back (connection refused, LOADING).</summary>
    private static readonly TimeSpan RecoveryWindow = TimeSpan.FromMinutes(2);

    private readonly RedisConnection _redis;
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);

    private RedisConfigurationStore(ComponentMetadata metadata, RedisConnection redis, RedisOptions options, ILogger logger, TimeProvider time)
    {
        Name = metadata.Name;
        Version = metadata.Version;
        _redis = redis;
        _options = options;
        _logger = logger;
        _time = time;
    }

    public string Name { get; }

    public string Type => "configuration.redis";

    public string Version { get; }

    public IReadOnlyList<string> Capabilities { get; } = [];

    /// <summary>Connects and checks the metadata.</summary>
    public static async Task<RedisConfigurationStore> CreateAsync(ComponentMetadata metadata, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = RedisComponentSettings.Connection(metadata);
        try
        {
            var redis = await RedisConnection.ConnectAsync(options, cancellationToken);
            return new RedisConfigurationStore(metadata, redis, options, logger, time);
        }
        catch (RedisConnectionException ex)
        {
            throw new ComponentConfigurationException(metadata, ex.Message, ex);
        }
    }

    public async Task<IReadOnlyDictionary<string, ConfigurationItem>> GetAsync(
        IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var names = keys.Count > 0
            ? keys
            : (await _redis.ExecuteAsync("KEYS", ["*"], cancellationToken)).Items.Select(k => k.AsString()!).ToList();
        var items = new Dictionary<string, ConfigurationItem>(StringComparer.Ordinal);
        foreach (var key in names)
        {
            if (await ReadAsync(key, cancellationToken) is { } item)
            {
                items[key] = item;
            }
        }

        return items;
    }

    public async Task<string> SubscribeAsync(
        IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> metadata, ConfigurationUpdateHandler handler, CancellationToken cancellationToken)
    {
        await EnableKeyspaceNotificationsAsync(cancellationToken);
        var id = Guid.NewGuid().ToString();
        var subscriber = await RedisSubscriber.ConnectAsync(_options with { ClientName = _options.ClientName + "-config" }, cancellationToken);
        var watch = new Watch(this, id, keys.ToList(), handler, subscriber);
        subscriber.HandlerFailed = ex => Log.UpdateFailed(_logger, Name, ex.Message);
        subscriber.Reconnected = () => RecoverAsync(watch);
        var prefix = $"__keyspace@{_options.Database}__:";
        if (keys.Count == 0)
        {
            await subscriber.PSubscribeAsync(prefix + "*", watch.OnNotificationAsync, cancellationToken);
        }
        else
        {
            foreach (var key in keys)
            {
                await subscriber.SubscribeAsync(prefix + key, watch.OnNotificationAsync, cancellationToken);
            }
        }

        _watches[id] = watch;
        return id;
    }

    public async Task UnsubscribeAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        if (!_watches.TryRemove(subscriptionId, out var watch))
        {
            throw new KeyNotFoundException($"subscription {subscriptionId} does not exists");
        }

        await watch.Subscriber.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _watches.Keys)
        {
            if (_watches.TryRemove(id, out var watch))
            {
                await watch.Subscriber.DisposeAsync();
            }
        }

        await _redis.DisposeAsync();
    }

    // As Dapr: CONFIG SET before every subscription. A restarted server has forgotten it, so it is sent
    // again after every reconnect too (Dapr itself does not, and goes deaf after a restart).
    private async Task EnableKeyspaceNotificationsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _redis.ExecuteAsync("CONFIG", ["SET", "notify-keyspace-events", "Kg$xe"], cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Prefix != "LOADING")
        {
            // Managed Redis may forbid CONFIG: then notifications must be enabled by hand (as with Dapr).
            Log.KeyspaceConfigFailed(_logger, Name, ex.Message);
        }
    }

    // After the subscriber reconnected (subscriptions confirmed): notifications on again, then the keys
    // re-read. Redis may still be starting (refusing connections, or answering LOADING while it reads
    // its AOF), so both are retried with backoff for a while rather than given up on the first error.
    private async Task RecoverAsync(Watch watch)
    {
        Log.Resubscribed(_logger, Name);
        var started = _time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await EnableKeyspaceNotificationsAsync(CancellationToken.None);
                await watch.CatchUpAsync();
                return;
            }
            catch (Exception ex) when (IsStarting(ex) && _time.GetElapsedTime(started) < RecoveryWindow)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (1 << Math.Min(attempt, 5)))), _time);
            }
        }
    }

    private static bool IsStarting(Exception ex) =>
        ex is RedisConnectionException || ex is RedisServerException { Prefix: "LOADING" or "BUSY" or "MASTERDOWN" };

    // "value||version"; without "||" the version is empty; anything after a second "||" is lost.
    private async Task<ConfigurationItem?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        RedisReply reply;
        try
        {
            reply = await _redis.ExecuteAsync("GET", [key], cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Prefix == "WRONGTYPE")
        {
            return null;
        }

        var text = reply.AsString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split("||");
        return new ConfigurationItem(parts[0], parts.Length > 1 ? parts[1] : string.Empty, new Dictionary<string, string>());
    }

    private sealed class Watch(RedisConfigurationStore store, string id, List<string> keys, ConfigurationUpdateHandler handler, RedisSubscriber subscriber)
    {
        private readonly ConcurrentDictionary<string, string?> _lastSeen = new(StringComparer.Ordinal);

        public RedisSubscriber Subscriber { get; } = subscriber;

        public async Task OnNotificationAsync(RedisPubSubMessage message)
        {
            var colon = message.Channel.IndexOf(':', StringComparison.Ordinal);
            var key = colon >= 0 ? message.Channel[(colon + 1)..] : message.Channel;
            await EmitAsync(key, Encoding.UTF8.GetString(message.Payload) is "del" or "expired" or "evicted");
        }

        // After a reconnect: re-read the watched keys and emit what changed while we were away.
        public async Task CatchUpAsync()
        {
            var names = keys.Count > 0 ? keys : [.. _lastSeen.Keys];
            foreach (var key in names)
            {
                await EmitAsync(key, deletedHint: false, onlyIfChanged: true);
            }
        }

        private async Task EmitAsync(string key, bool deletedHint, bool onlyIfChanged = false)
        {
            var item = deletedHint ? null : await store.ReadAsync(key, CancellationToken.None);
            var signature = item is null ? null : item.Value + "||" + item.Version;
            var previous = _lastSeen.TryGetValue(key, out var seen) ? seen : null;
            if (onlyIfChanged && string.Equals(previous, signature, StringComparison.Ordinal))
            {
                return;
            }

            _lastSeen[key] = signature;
            await handler(new ConfigurationUpdateEvent(id, new Dictionary<string, ConfigurationItem?>(StringComparer.Ordinal) { [key] = item }), CancellationToken.None);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 90, Level = LogLevel.Warning, Message = "Configuration store {Store}: could not enable keyspace notifications ({Reason}); enable notify-keyspace-events Kg$xe on the server")]
        public static partial void KeyspaceConfigFailed(ILogger logger, string store, string reason);

        [LoggerMessage(EventId = 91, Level = LogLevel.Error, Message = "Configuration store {Store}: delivering an update failed: {Reason}")]
        public static partial void UpdateFailed(ILogger logger, string store, string reason);

        [LoggerMessage(EventId = 92, Level = LogLevel.Information, Message = "Configuration store {Store}: reconnected to Redis; keyspace notifications enabled again and keys re-read")]
        public static partial void Resubscribed(ILogger logger, string store);
    }
}
