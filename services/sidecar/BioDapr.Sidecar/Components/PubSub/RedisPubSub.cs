using System.Globalization;
using System.Text.Json;
using BioDapr.Redis;
using BioDapr.Sidecar.Components.Redis;

namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>
/// <c>pubsub.redis</c> on Redis Streams with Dapr's layout, so daprd and this sidecar can share one
/// Redis: the stream key is the topic; entries carry <c>data</c> and <c>metadata</c>; the consumer
/// group and the consumer are both named <c>consumerID</c> (default: the app id); groups start at ID
/// 0. A message is acknowledged when the handler returns, and also when it throws (Dapr 1.17+), unless
/// its processing deadline (<c>processingTimeout</c>) or shutdown cancelled it: then it stays pending
/// and is reclaimed with XPENDING/XCLAIM every <c>redeliverInterval</c>.
/// </summary>
internal sealed partial class RedisPubSub : IPubSub
{
    /// <summary>How long an acknowledgement is retried while Redis is away.</summary>
    private static readonly TimeSpan AckRetryWindow = TimeSpan.FromSeconds(30);

    private readonly RedisConnection _redis;
    private readonly RedisOptions _options;
    private readonly Settings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<Subscription> _subscriptions = [];

    private RedisPubSub(ComponentMetadata metadata, RedisConnection redis, RedisOptions options, Settings settings, ILogger logger, TimeProvider time)
    {
        Name = metadata.Name;
        Version = metadata.Version;
        _redis = redis;
        _options = options;
        _settings = settings;
        _logger = logger;
        _time = time;
    }

    public string Name { get; }

    public string Type => "pubsub.redis";

    public string Version { get; }

    public IReadOnlyList<string> Capabilities { get; } = [];

    /// <summary>Reads the metadata (Dapr's defaults) and connects.</summary>
    public static async Task<RedisPubSub> CreateAsync(ComponentMetadata metadata, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = RedisComponentSettings.Connection(metadata);
        var maxLen = metadata.Get("maxLenApprox") is { } text
            ? long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed
                : throw new ComponentConfigurationException(metadata, $"metadata 'maxLenApprox': '{text}' is not a non-negative integer")
            : 0;
        var settings = new Settings(
            ConsumerId: metadata.Get("consumerID") ?? metadata.AppId,
            ProcessingTimeout: RedisComponentSettings.Duration(metadata, "processingTimeout", TimeSpan.FromSeconds(60)),
            RedeliverInterval: RedisComponentSettings.Duration(metadata, "redeliverInterval", TimeSpan.FromSeconds(15)),
            QueueDepth: RedisComponentSettings.PositiveInt(metadata, "queueDepth", 100),
            Concurrency: RedisComponentSettings.PositiveInt(metadata, "concurrency", 10),
            MaxLenApprox: maxLen,
            StreamTtl: RedisComponentSettings.Duration(metadata, "streamTTL", TimeSpan.Zero));
        if (settings.ConsumerId.Length == 0)
        {
            throw new ComponentConfigurationException(metadata, "metadata 'consumerID' is empty and the app has no id");
        }

        try
        {
            var redis = await RedisConnection.ConnectAsync(options, cancellationToken);
            return new RedisPubSub(metadata, redis, options, settings, logger, time);
        }
        catch (RedisConnectionException ex)
        {
            throw new ComponentConfigurationException(metadata, ex.Message, ex);
        }
    }

    public async Task PublishAsync(PubSubPublishRequest request, CancellationToken cancellationToken)
    {
        var args = new List<RedisArg> { request.Topic };
        if (_settings.MaxLenApprox > 0)
        {
            args.AddRange(["MAXLEN", "~", _settings.MaxLenApprox]);
        }

        if (_settings.StreamTtl > TimeSpan.Zero)
        {
            var minId = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_settings.StreamTtl.TotalMilliseconds;
            args.AddRange(["MINID", "~", minId.ToString(CultureInfo.InvariantCulture) + "-1"]);
        }

        args.AddRange(["*", "data", request.Data]);
        if (request.Metadata is not null)
        {
            args.AddRange(["metadata", JsonSerializer.SerializeToUtf8Bytes(request.Metadata)]);
        }

        try
        {
            await _redis.ExecuteAsync("XADD", args, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException)
        {
            throw new PubSubPublishException($"redis streams: error from publish: {ex.Message}", ex);
        }
    }

    public async Task<IAsyncDisposable> SubscribeAsync(PubSubSubscribeRequest request, PubSubHandler handler, CancellationToken cancellationToken)
    {
        await CreateGroupAsync(request.Topic, cancellationToken);
        var reader = await RedisConnection.ConnectAsync(_options with { ClientName = _options.ClientName + "-reader" }, cancellationToken);
        var subscription = new Subscription(this, request.Topic, handler, reader);
        lock (_subscriptions)
        {
            _subscriptions.Add(subscription);
        }

        subscription.Start();
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        List<Subscription> subscriptions;
        lock (_subscriptions)
        {
            subscriptions = [.. _subscriptions];
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    private async Task CreateGroupAsync(string topic, CancellationToken cancellationToken)
    {
        try
        {
            await _redis.ExecuteAsync("XGROUP", ["CREATE", topic, _settings.ConsumerId, "0", "MKSTREAM"], cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Prefix == "BUSYGROUP")
        {
            // The group exists: another replica, an earlier run, or daprd itself created it.
        }
    }

    private static Dictionary<string, string> ParseMetadata(byte[]? json)
    {
        if (json is null || json.Length == 0 || json.AsSpan().SequenceEqual("{}"u8))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
        }
        catch (JsonException)
        {
            // Readers treat the field as optional, as Dapr does.
            return [];
        }
    }

    private sealed record Settings(
        string ConsumerId, TimeSpan ProcessingTimeout, TimeSpan RedeliverInterval, int QueueDepth, int Concurrency, long MaxLenApprox, TimeSpan StreamTtl)
    {
        public bool RedeliveryEnabled => ProcessingTimeout > TimeSpan.Zero && RedeliverInterval > TimeSpan.Zero;
    }

    private sealed class Subscription(RedisPubSub owner, string topic, PubSubHandler handler, RedisConnection reader) : IAsyncDisposable
    {
        private readonly System.Threading.Channels.Channel<(string Id, PubSubMessage Message)> _queue =
            System.Threading.Channels.Channel.CreateBounded<(string, PubSubMessage)>(owner._settings.QueueDepth);

        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _tasks = [];

        public void Start()
        {
            _tasks.Add(Task.Run(ReadLoopAsync, CancellationToken.None));
            if (owner._settings.RedeliveryEnabled)
            {
                _tasks.Add(Task.Run(ReclaimLoopAsync, CancellationToken.None));
            }

            for (var i = 0; i < owner._settings.Concurrency; i++)
            {
                _tasks.Add(Task.Run(WorkAsync, CancellationToken.None));
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            await _stop.CancelAsync();
            _queue.Writer.TryComplete();
            await reader.DisposeAsync();
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            lock (owner._subscriptions)
            {
                owner._subscriptions.Remove(this);
            }

            _stop.Dispose();
        }

        private async Task ReadLoopAsync()
        {
            var settings = owner._settings;
            var token = _stop.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    var reply = await reader.ExecuteAsync(
                        "XREADGROUP",
                        ["GROUP", settings.ConsumerId, settings.ConsumerId, "COUNT", settings.QueueDepth, "BLOCK", 2000, "STREAMS", topic, ">"],
                        token);
                    if (reply.IsNull)
                    {
                        continue;
                    }

                    foreach (var stream in reply.Items)
                    {
                        foreach (var entry in stream.Items[1].Items)
                        {
                            await EnqueueAsync(entry, token);
                        }
                    }
                }
                catch (RedisServerException ex) when (ex.Prefix == "NOGROUP")
                {
                    await owner.CreateGroupAsync(topic, token);
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisServerException && !token.IsCancellationRequested)
                {
                    Log.ReadFailed(owner._logger, topic, ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(500), owner._time, token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or System.Threading.Channels.ChannelClosedException)
                {
                    return;
                }
            }
        }

        // XPENDING + XCLAIM: take back messages whose handler did not finish within processingTimeout.
        private async Task ReclaimLoopAsync()
        {
            var settings = owner._settings;
            var token = _stop.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    var pending = await owner._redis.ExecuteAsync("XPENDING", [topic, settings.ConsumerId, "-", "+", settings.QueueDepth], token);
                    var idleMs = (long)settings.ProcessingTimeout.TotalMilliseconds;
                    var ids = pending.Items.Where(p => p.Items.Count >= 3 && p.Items[2].AsInt64() >= idleMs).Select(p => p.Items[0].AsString()!).ToList();
                    if (ids.Count > 0)
                    {
                        var args = new List<RedisArg> { topic, settings.ConsumerId, settings.ConsumerId, idleMs };
                        args.AddRange(ids.Select(id => (RedisArg)id));
                        var claimed = await owner._redis.ExecuteAsync("XCLAIM", args, token);
                        var seen = new HashSet<string>(StringComparer.Ordinal);
                        foreach (var entry in claimed.Items.Where(e => !e.IsNull))
                        {
                            var id = entry.Items[0].AsString()!;
                            seen.Add(id);
                            Log.Redelivering(owner._logger, id, topic);
                            await EnqueueAsync(entry, token);
                        }

                        // Entries deleted from the stream meanwhile can never be delivered: acknowledge them.
                        foreach (var gone in claimed.Items.Count < ids.Count || claimed.Items.Any(e => e.IsNull) ? ids.Where(id => !seen.Contains(id)) : [])
                        {
                            await owner._redis.ExecuteAsync("XACK", [topic, settings.ConsumerId, gone], token);
                        }
                    }

                    await Task.Delay(settings.RedeliverInterval, owner._time, token);
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisServerException && !token.IsCancellationRequested)
                {
                    Log.ReadFailed(owner._logger, topic, ex.Message);
                    await Task.Delay(settings.RedeliverInterval, owner._time, token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or System.Threading.Channels.ChannelClosedException)
                {
                    return;
                }
            }
        }

        private ValueTask EnqueueAsync(RedisReply entry, CancellationToken token)
        {
            var id = entry.Items[0].AsString()!;
            byte[]? data = null;
            byte[]? metadata = null;
            var fields = entry.Items.Count > 1 ? entry.Items[1].Items : [];
            for (var i = 0; i + 1 < fields.Count; i += 2)
            {
                switch (fields[i].AsString())
                {
                    case "data":
                        data = fields[i + 1].Bytes;
                        break;
                    case "metadata":
                        metadata = fields[i + 1].Bytes;
                        break;
                }
            }

            return _queue.Writer.WriteAsync((id, new PubSubMessage(topic, data ?? [], ParseMetadata(metadata), id)), token);
        }

        // The handler ran: acknowledge it, retrying while Redis is away (restarting, or loading its AOF).
        // Given up after a while, the entry stays pending and is redelivered (at least once, never lost).
        private async Task AcknowledgeAsync(string id)
        {
            var started = owner._time.GetTimestamp();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await owner._redis.ExecuteAsync("XACK", [topic, owner._settings.ConsumerId, id], CancellationToken.None);
                    return;
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisServerException { Prefix: "LOADING" }
                    && owner._time.GetElapsedTime(started) < AckRetryWindow && !_stop.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (1 << Math.Min(attempt, 5)))), owner._time, _stop.Token)
                        .ContinueWith(_ => { }, TaskScheduler.Default);
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisServerException)
                {
                    Log.AckFailed(owner._logger, id, topic, ex.Message);
                    return;
                }
            }
        }

        private async Task WorkAsync()
        {
            var settings = owner._settings;
            try
            {
                await foreach (var (id, message) in _queue.Reader.ReadAllAsync(_stop.Token))
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    if (settings.RedeliveryEnabled)
                    {
                        deadline.CancelAfter(settings.ProcessingTimeout);
                    }

                    try
                    {
                        await handler(message, deadline.Token);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        if (deadline.IsCancellationRequested)
                        {
                            // Cancelled by the processing deadline or by shutdown: leave it pending for redelivery.
                            Log.LeftPending(owner._logger, id, topic);
                            continue;
                        }

                        Log.HandlerFailed(owner._logger, id, topic, ex.Message);
                    }

                    await AcknowledgeAsync(id);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "Reading stream {Topic} failed: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string topic, string reason);

        [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "Redelivering message {Id} of stream {Topic}")]
        public static partial void Redelivering(ILogger logger, string id, string topic);

        [LoggerMessage(EventId = 82, Level = LogLevel.Warning, Message = "Message {Id} of stream {Topic} was not acknowledged (processing deadline or shutdown); it will be redelivered")]
        public static partial void LeftPending(ILogger logger, string id, string topic);

        [LoggerMessage(EventId = 83, Level = LogLevel.Warning, Message = "Error processing message {Id} of stream {Topic}: {Reason}; acknowledged, it will not be redelivered (as Dapr 1.17+: only the inbound resiliency policy retries a failed delivery)")]
        public static partial void HandlerFailed(ILogger logger, string id, string topic, string reason);

        [LoggerMessage(EventId = 84, Level = LogLevel.Error, Message = "Error acknowledging message {Id} of stream {Topic}: {Reason}")]
        public static partial void AckFailed(ILogger logger, string id, string topic, string reason);
    }
}
