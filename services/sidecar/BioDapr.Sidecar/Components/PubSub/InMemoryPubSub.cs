using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>
/// <c>pubsub.in-memory</c>: a broker inside the sidecar process, as Dapr's in-memory bus. Every
/// subscription has its own queue and delivers its messages one at a time in publish order. A handler
/// failure is logged and the message is dropped (there is no redelivery), and messages published
/// while nobody subscribes are lost. Topic patterns ending in <c>*</c> match every longer topic with
/// that prefix (the component reports <c>SUBSCRIBE_WILDCARDS</c>).
/// </summary>
internal sealed partial class InMemoryPubSub : IPubSub
{
    /// <summary>The component type.</summary>
    public const string ComponentType = "pubsub.in-memory";

    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];
    private long _sequence;
    private bool _closed;

    public InMemoryPubSub(ComponentMetadata metadata, ILogger<InMemoryPubSub>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Name = metadata.Name;
        Type = metadata.Type;
        Version = metadata.Version;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Name { get; }

    public string Type { get; }

    public string Version { get; }

    public IReadOnlyList<string> Capabilities { get; } = ["SUBSCRIBE_WILDCARDS"];

    public Task PublishAsync(PubSubPublishRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();

        // The caller may reuse its buffers once this returns, and delivery happens later.
        var data = request.Data.ToArray();
        IReadOnlyDictionary<string, string> metadata = request.Metadata is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string>(request.Metadata);

        lock (_gate)
        {
            if (_closed)
            {
                throw new PubSubPublishException($"pubsub '{Name}' is closed");
            }

            var message = new PubSubMessage(
                request.Topic, data, metadata, (++_sequence).ToString(CultureInfo.InvariantCulture));
            foreach (var subscription in _subscriptions)
            {
                if (subscription.Matches(request.Topic))
                {
                    subscription.Enqueue(message);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable> SubscribeAsync(PubSubSubscribeRequest request, PubSubHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentException.ThrowIfNullOrEmpty(request.Topic);
        cancellationToken.ThrowIfCancellationRequested();

        var subscription = new Subscription(this, request.Topic, handler);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _subscriptions.Add(subscription);
        }

        subscription.Start();
        Log.Subscribed(_logger, Name, request.Topic);
        return Task.FromResult<IAsyncDisposable>(subscription);
    }

    public async ValueTask DisposeAsync()
    {
        Subscription[] subscriptions;
        lock (_gate)
        {
            _closed = true;
            subscriptions = [.. _subscriptions];
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>One subscriber: its queue and the loop that feeds its handler.</summary>
    private sealed class Subscription(InMemoryPubSub owner, string topic, PubSubHandler handler) : IAsyncDisposable
    {
        private readonly Channel<PubSubMessage> _queue = Channel.CreateUnbounded<PubSubMessage>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private Task _pump = Task.CompletedTask;
        private int _disposed;

        public bool Matches(string publishedTopic) =>
            topic.EndsWith('*')
                ? publishedTopic.Length > topic.Length - 1 && publishedTopic.StartsWith(topic.AsSpan(0, topic.Length - 1), StringComparison.Ordinal)
                : string.Equals(topic, publishedTopic, StringComparison.Ordinal);

        public void Enqueue(PubSubMessage message) => _queue.Writer.TryWrite(message);

        // The pump is owned by this subscription: DisposeAsync awaits it, and it never faults.
        public void Start() => _pump = Task.Run(PumpAsync);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                await _pump.ConfigureAwait(false);
                return;
            }

            owner.Remove(this);
            _queue.Writer.TryComplete();
            await _stop.CancelAsync().ConfigureAwait(false);
            await _pump.ConfigureAwait(false);
            _stop.Dispose();
            Log.Unsubscribed(owner._logger, owner.Name, topic);
        }

        private async Task PumpAsync()
        {
            var token = _stop.Token;
            try
            {
                await foreach (var message in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    try
                    {
                        await handler(message, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
#pragma warning disable CA1031 // A failing handler must not stop delivery to this subscriber; Dapr logs and moves on.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        Log.HandlerFailed(owner._logger, ex, owner.Name, message.Topic, message.Id);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Unsubscribed: queued messages are dropped, as in Dapr.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "pubsub {PubSub}: subscribed to {Topic}")]
        public static partial void Subscribed(ILogger logger, string pubSub, string topic);

        [LoggerMessage(Level = LogLevel.Debug, Message = "pubsub {PubSub}: unsubscribed from {Topic}")]
        public static partial void Unsubscribed(ILogger logger, string pubSub, string topic);

        [LoggerMessage(Level = LogLevel.Error, Message = "pubsub {PubSub}: handling message {MessageId} of topic {Topic} failed; the message is dropped")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string pubSub, string topic, string messageId);
    }
}
