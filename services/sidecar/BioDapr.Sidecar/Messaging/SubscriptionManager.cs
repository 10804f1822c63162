using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Collects the app's subscriptions (declarative Subscription resources and the app's
/// <c>GET /dapr/subscribe</c>; a programmatic one replaces a declarative one for the same
/// pubsub+topic) and keeps one component subscription per entry while the app is healthy.
/// </summary>
internal sealed partial class SubscriptionManager(DeliveryServices delivery, SidecarSettings settings, LoadedResources resources, ComponentStore components, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(TopicSubscription Subscription, IAsyncDisposable Handle)> _active = [];
    private readonly List<(TopicSubscription Subscription, IAsyncDisposable Handle)> _streaming = [];
    private IReadOnlyList<SubscriptionDefinition> _definitions = [];

    /// <summary>The subscriptions currently delivering (for <c>/v1.0/metadata</c>).</summary>
    public IReadOnlyList<SubscriptionDefinition> Active
    {
        get
        {
            lock (_active)
            {
                return _active.Concat(_streaming).Select(a => a.Subscription.Definition).ToList();
            }
        }
    }

    /// <summary>Asks the app for its subscriptions (over HTTP) and merges them with the declarative ones.</summary>
    public Task LoadAsync(AppChannelClient channel, CancellationToken cancellationToken) =>
        LoadAsync(ct => FetchProgrammaticAsync(channel, ct), cancellationToken);

    /// <summary>Asks the app for its subscriptions (any protocol) and merges them with the declarative ones.</summary>
    public async Task LoadAsync(Func<CancellationToken, Task<IReadOnlyList<SubscriptionDefinition>>> fetchProgrammatic, CancellationToken cancellationToken)
    {
        var programmatic = settings.DisabledInitEndpoints.Contains("subscribe")
            ? []
            : await fetchProgrammatic(cancellationToken);

        var merged = new List<SubscriptionDefinition>();
        foreach (var declarative in resources.Subscriptions)
        {
            if (!programmatic.Any(p => Same(p, declarative)) && !merged.Any(m => Same(m, declarative)))
            {
                merged.Add(declarative);
            }
        }

        merged.AddRange(programmatic);
        _definitions = merged;
    }

    /// <summary>Subscribes to every loaded entry (idempotent); events go to <paramref name="sink"/> (the app).</summary>
    public async Task StartAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_active.Count > 0)
            {
                return;
            }

            foreach (var definition in _definitions)
            {
                if (!components.PubSubs.TryGetValue(definition.PubsubName, out var pubsub))
                {
                    Log.UnknownPubSub(logger, definition.PubsubName, definition.Topic);
                    continue;
                }

                if (!pubsub.IsSubscribeAllowed(definition.Topic))
                {
                    Log.SubscriptionNotAllowed(logger, definition.Topic, definition.PubsubName);
                    continue;
                }

                var subscription = new TopicSubscription(delivery, sink, pubsub, definition, logger);
                var handle = await subscription.SubscribeAsync(cancellationToken);
                lock (_active)
                {
                    _active.Add((subscription, handle));
                }

                Log.Subscribed(logger, definition.Topic, definition.PubsubName, definition.Kind);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops every subscription; in-flight messages are left unacknowledged for redelivery.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            List<(TopicSubscription Subscription, IAsyncDisposable Handle)> active;
            lock (_active)
            {
                active = [.. _active];
                _active.Clear();
            }

            foreach (var (_, handle) in active)
            {
                await handle.DisposeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts a streaming subscription (<c>SubscribeTopicEventsAlpha1</c>); it is not tied to the app's
    /// health and ends when the returned handle is disposed (the stream closed). Throws
    /// <see cref="InvalidOperationException"/> when the pub/sub does not exist or the topic is not allowed.
    /// </summary>
    public async Task<IAsyncDisposable> AddStreamingAsync(SubscriptionDefinition definition, IEventSink sink, CancellationToken cancellationToken)
    {
        if (!components.PubSubs.TryGetValue(definition.PubsubName, out var pubsub))
        {
            throw new InvalidOperationException($"pubsub '{definition.PubsubName}' not found");
        }

        if (!pubsub.IsSubscribeAllowed(definition.Topic))
        {
            throw new InvalidOperationException($"subscription to topic '{definition.Topic}' on pubsub '{definition.PubsubName}' is not allowed");
        }

        var subscription = new TopicSubscription(delivery, sink, pubsub, definition, logger);
        var handle = await subscription.SubscribeAsync(cancellationToken);
        var entry = (subscription, handle);
        lock (_active)
        {
            _streaming.Add(entry);
        }

        Log.Subscribed(logger, definition.Topic, definition.PubsubName, definition.Kind);
        return new StreamingHandle(this, entry);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        List<(TopicSubscription Subscription, IAsyncDisposable Handle)> streaming;
        lock (_active)
        {
            streaming = [.. _streaming];
            _streaming.Clear();
        }

        foreach (var (_, handle) in streaming)
        {
            await handle.DisposeAsync();
        }

        _gate.Dispose();
    }

    private sealed class StreamingHandle(SubscriptionManager owner, (TopicSubscription Subscription, IAsyncDisposable Handle) entry) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            bool removed;
            lock (owner._active)
            {
                removed = owner._streaming.Remove(entry);
            }

            if (removed)
            {
                await entry.Handle.DisposeAsync();
            }
        }
    }

    private async Task<IReadOnlyList<SubscriptionDefinition>> FetchProgrammaticAsync(AppChannelClient channel, CancellationToken cancellationToken)
    {
        // daprd retries discovery with its initialisation policy: exponential, at most 3 retries.
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/dapr/subscribe");
                request.Headers.TryAddWithoutValidation("dapr-app-id", settings.AppId);
                var response = await channel.SendAsync(request, cancellationToken);
                if (response.StatusCode == 404)
                {
                    return [];
                }

                if (response.StatusCode != 200)
                {
                    Log.SubscribeEndpointFailed(logger, response.StatusCode);
                    return [];
                }

                if (response.Body.Length == 0)
                {
                    return [];
                }

                var parsed = SubscriptionParser.ParseProgrammatic(response.Body);
                foreach (var warning in parsed.Warnings)
                {
                    Log.SubscriptionWarning(logger, warning);
                }

                return parsed.Subscriptions;
            }
            catch (Exception ex) when (ex is HttpRequestException or ResourceLoadException or FormatException && attempt < 3)
            {
                await Task.Delay(delay, delivery.Time, cancellationToken);
                delay *= 1.5;
            }
            catch (Exception ex) when (ex is HttpRequestException or ResourceLoadException or FormatException)
            {
                Log.SubscribeDiscoveryFailed(logger, ex.Message);
                return [];
            }
        }
    }

    private static bool Same(SubscriptionDefinition a, SubscriptionDefinition b) =>
        a.PubsubName == b.PubsubName && a.Topic == b.Topic;

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Skipping subscription to topic {Topic}: pubsub {PubSub} is not found")]
        public static partial void UnknownPubSub(ILogger logger, string pubSub, string topic);

        [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Subscription to topic '{Topic}' on pubsub '{PubSub}' is not allowed")]
        public static partial void SubscriptionNotAllowed(ILogger logger, string topic, string pubSub);

        [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Subscribed to topic {Topic} on pubsub {PubSub} ({Kind})")]
        public static partial void Subscribed(ILogger logger, string topic, string pubSub, SubscriptionKind kind);

        [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "App returned status {StatusCode} for GET /dapr/subscribe; no programmatic subscriptions")]
        public static partial void SubscribeEndpointFailed(ILogger logger, int statusCode);

        [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Subscription from the app ignored: {Warning}")]
        public static partial void SubscriptionWarning(ILogger logger, string warning);

        [LoggerMessage(EventId = 25, Level = LogLevel.Error, Message = "Could not read the app's subscriptions: {Reason}")]
        public static partial void SubscribeDiscoveryFailed(ILogger logger, string reason);
    }
}
