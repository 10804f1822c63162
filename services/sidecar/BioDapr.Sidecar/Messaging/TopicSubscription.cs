using System.Globalization;
using System.Text.Json;
using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// One active subscription: receives messages from the component and delivers them to the app as
/// daprd does (envelope checks, expiry, CEL routing, the inbound resiliency policy of the pub/sub
/// component, reply interpretation, dead-letter topic).
/// </summary>
internal sealed partial class TopicSubscription
{
    private static readonly TimeSpan DeadLetterPublishTimeout = TimeSpan.FromSeconds(30);

    private readonly DeliveryServices _services;
    private readonly IEventSink _sink;
    private readonly PubSubEntry _pubsub;
    private readonly ILogger _logger;
    private readonly bool _rawPayload;
    private readonly string? _rawPayloadError;

    public TopicSubscription(DeliveryServices services, IEventSink sink, PubSubEntry pubsub, SubscriptionDefinition definition, ILogger logger)
    {
        _services = services;
        _sink = sink;
        _pubsub = pubsub;
        _logger = logger;
        Definition = definition;
        var raw = definition.Metadata.GetValueOrDefault("rawPayload");
        if (!string.IsNullOrEmpty(raw) && !GoStrconv.TryParseBool(raw, out _rawPayload))
        {
            _rawPayloadError = $"rawPayload value must be a valid boolean: actual is '{raw}'";
        }
    }

    public SubscriptionDefinition Definition { get; }

    /// <summary>Subscribes to the component: one delivery per message, or batches when <c>bulkSubscribe</c> is enabled.</summary>
    public Task<IAsyncDisposable> SubscribeAsync(CancellationToken cancellationToken)
    {
        var request = new PubSubSubscribeRequest(_pubsub.TopicPrefix + Definition.Topic, Definition.Metadata);
        PubSubHandler handler = Definition.BulkSubscribe is { Enabled: true } bulk
            ? new BulkBatcher(this, _services, _sink, _pubsub, bulk, _logger).HandleAsync
            : HandleAsync;
        return _pubsub.Component.SubscribeAsync(request, handler, cancellationToken);
    }

    /// <summary>The topic as the subscription knows it (the component's prefix removed).</summary>
    internal string TopicOf(PubSubMessage message) =>
        _pubsub.TopicPrefix.Length > 0 && message.Topic.StartsWith(_pubsub.TopicPrefix, StringComparison.Ordinal)
            ? message.Topic[_pubsub.TopicPrefix.Length..]
            : message.Topic;

    /// <summary>The envelope bytes of a message (built around a raw payload when <c>rawPayload</c> is set); null with an invalid <c>rawPayload</c> value.</summary>
    internal ReadOnlyMemory<byte>? EnvelopeOf(PubSubMessage message, IReadOnlyDictionary<string, string> metadata) =>
        _rawPayloadError is not null ? null
        : _rawPayload ? CloudEventEnvelope.FromRawPayload(message.Data.Span, TopicOf(message), _pubsub.Name, metadata)
        : message.Data;

    /// <summary>True when the subscription receives raw payloads.</summary>
    internal bool IsRawPayload => _rawPayload;

    /// <summary>The component handler. Throws when the message was not handled (the component then ACKs or not per its rules).</summary>
    public async Task HandleAsync(PubSubMessage message, CancellationToken componentToken)
    {
        if (_services.Stopping.IsCancellationRequested)
        {
            // As daprd's closed subscription: a message that was not being delivered when the sidecar began to stop is not
            // delivered now; it stays unacknowledged (the component cancels this handler) and is redelivered.
            await Task.Delay(Timeout.Infinite, componentToken);
        }

        var metadata = new Dictionary<string, string>(message.Metadata, StringComparer.Ordinal) { ["pubsubName"] = _pubsub.Name };
        var topic = _pubsub.TopicPrefix.Length > 0 && message.Topic.StartsWith(_pubsub.TopicPrefix, StringComparison.Ordinal)
            ? message.Topic[_pubsub.TopicPrefix.Length..]
            : message.Topic;

        if (_rawPayloadError is not null)
        {
            await FailOrDeadLetterAsync(message, _rawPayloadError, componentToken);
            return;
        }

        ReadOnlyMemory<byte> data = _rawPayload ? CloudEventEnvelope.FromRawPayload(message.Data.Span, topic, _pubsub.Name, metadata) : message.Data;

        // The envelope is read in place for the whole delivery (no copy of the document).
        using var document = Parse(data);
        if (document is not { RootElement: { ValueKind: JsonValueKind.Object } cloudEvent })
        {
            await FailOrDeadLetterAsync(message, $"error deserializing cloud event in pubsub {_pubsub.Name} and topic {topic}: not a JSON object", componentToken);
            return;
        }

        var eventId = cloudEvent.TryGetProperty("id", out var idElement) ? idElement.ToString() : string.Empty;
        if (HasExpired(cloudEvent))
        {
            Log.DroppingExpired(_logger, eventId, topic);
            await TryDeadLetterAsync(message, componentToken);
            return;
        }

        string? path;
        try
        {
            path = FindRoute(cloudEvent);
        }
        catch (Exception ex) when (ex is CelEvaluationException)
        {
            await FailOrDeadLetterAsync(message, $"error finding matching route for event {eventId} in pubsub {_pubsub.Name} and topic {topic}: {ex.Message}", componentToken);
            return;
        }

        if (path is null)
        {
            // No rule matched and no default: skipped as success (dead-lettered when configured).
            Log.NoMatchingRoute(_logger, eventId, topic);
            await TryDeadLetterAsync(message, componentToken);
            return;
        }

        var traceParent = cloudEvent.TryGetProperty("traceparent", out var tp) && tp.ValueKind == JsonValueKind.String ? tp.GetString()
            : cloudEvent.TryGetProperty("traceid", out var ti) && ti.ValueKind == JsonValueKind.String ? ti.GetString()
            : metadata.GetValueOrDefault("traceparent");
        var traceState = cloudEvent.TryGetProperty("tracestate", out var ts) && ts.ValueKind == JsonValueKind.String ? ts.GetString() : null;
        var span = _services.Tracing.StartDelivery(traceParent, traceState);

        var policy = _services.Resiliency.ForComponentInbound(_pubsub.Name, _pubsub.Component.Type);
        // The delivery (retries included) is one consumer span, a child of the publisher's context.
        var delivered = false;
        try
        {
            await DeliverWithPolicyAsync();
            delivered = true;
        }
        finally
        {
            if (span?.Recording is not null)
            {
                // daprd's subscription span: "pubsub/<topic>", with the messaging attributes.
                _services.Tracing.End(span, "pubsub/" + topic, delivered ? null : "the delivery failed", [new("messaging.system", "pubsub"), new("messaging.destination.name", topic)]);
            }
        }

        async Task DeliverWithPolicyAsync()
        {
            try
            {
                // daprd delivers under a background context: the component's processing deadline does not
                // cut the call short, it only decides whether a failure is acknowledged. A delivery in flight when the
                // sidecar stops may finish within the graceful shutdown (Cut), as daprd's Stop waits for it.
                await policy.ExecuteAsync(
                    async ct =>
                    {
                        SinkReply outcome;
                        try
                        {
                            outcome = await _sink.DeliverAsync(new EventDelivery(path, data, cloudEvent, metadata, span, topic, _pubsub.Name), ct);
                        }
                        catch (EventSinkClosedException ex)
                        {
                            throw new PermanentFailureException(ex.Message, ex);
                        }

                        switch (outcome.Outcome)
                        {
                            case DeliveryOutcome.Success:
                                return true;
                            case DeliveryOutcome.Drop:
                                Log.Dropped(_logger, eventId, topic);
                                if (!string.IsNullOrEmpty(Definition.DeadLetterTopic) && !await TryDeadLetterAsync(message, ct))
                                {
                                    throw new PermanentFailureException("message dropped and dead-lettering failed");
                                }

                                return true;
                            default:
                                throw outcome.StatusCode is { } status
                                    ? new StatusCodeFailureException(status, outcome.Detail)
                                    : new InvalidOperationException(outcome.Detail);
                        }
                    },
                    _services.Cut);
            }
            catch (Exception ex) when (_services.Stopping.IsCancellationRequested || ex is PermanentFailureException { InnerException: EventSinkClosedException })
            {
                // As daprd: a closing subscription (or a streaming subscriber that went away) leaves the message
                // unacknowledged. Wait until the component cancels this handler (it does so when the subscription
                // is disposed), so it does not ACK; another subscriber or a restart gets it again.
                await Task.Delay(Timeout.Infinite, componentToken);
                throw;
            }
            catch (Exception ex)
            {
                Log.DeliveryFailed(_logger, eventId, topic, ex.Message);
                if (!string.IsNullOrEmpty(Definition.DeadLetterTopic) && await TryDeadLetterAsync(message, componentToken))
                {
                    return;
                }

                throw;
            }
        }
    }

    internal string? FindRoute(JsonElement cloudEvent)
    {
        var routes = Definition.Routes;
        if (routes.Rules.Count > 0)
        {
            var activation = CelActivation.Single("event", cloudEvent);
            foreach (var rule in routes.Rules)
            {
                if (rule.Expression.EvaluateBool(activation))
                {
                    return rule.Path;
                }
            }
        }

        return string.IsNullOrEmpty(routes.Default) ? null : routes.Default;
    }

    internal bool HasExpired(JsonElement cloudEvent) =>
        cloudEvent.TryGetProperty("expiration", out var expiration)
        && expiration.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(expiration.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
        && at < _services.Time.GetUtcNow();

    private async Task FailOrDeadLetterAsync(PubSubMessage message, string error, CancellationToken cancellationToken)
    {
        Log.DeliveryFailed(_logger, message.Id, message.Topic, error);
        if (!string.IsNullOrEmpty(Definition.DeadLetterTopic) && await TryDeadLetterAsync(message, cancellationToken))
        {
            return;
        }

        throw new InvalidOperationException(error);
    }

    // The original bytes and metadata go to the dead-letter topic on the same pub/sub.
    internal async Task<bool> TryDeadLetterAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Definition.DeadLetterTopic))
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_services.Stopping);
        timeout.CancelAfter(DeadLetterPublishTimeout);
        try
        {
            await _services.Publisher.PublishAsync(_pubsub, Definition.DeadLetterTopic, message.Data, message.Metadata, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is PubSubPublishException or PublishNotAllowedException or OperationCanceledException)
        {
            Log.DeadLetterFailed(_logger, Definition.DeadLetterTopic, ex.Message);
            return false;
        }
    }

    internal static JsonDocument? Parse(ReadOnlyMemory<byte> data)
    {
        try
        {
            return JsonDocument.Parse(data);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Dropping expired pub/sub event {EventId} on topic {Topic}")]
        public static partial void DroppingExpired(ILogger logger, string eventId, string topic);

        [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "No matching route for event {EventId} on topic {Topic}; skipping")]
        public static partial void NoMatchingRoute(ILogger logger, string eventId, string topic);

        [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "DROP status returned from app while processing pub/sub event {EventId} on topic {Topic}")]
        public static partial void Dropped(ILogger logger, string eventId, string topic);

        [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Delivery of pub/sub event {EventId} on topic {Topic} failed: {Reason}")]
        public static partial void DeliveryFailed(ILogger logger, string eventId, string topic, string reason);

        [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Failed to send the message to dead-letter topic {Topic}: {Reason}")]
        public static partial void DeadLetterFailed(ILogger logger, string topic, string reason);
    }
}
