using System.Text.Json;
using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Bulk subscribe for components without native bulk delivery, as daprd's default bulk subscriber
/// (<c>pkg/runtime/pubsub/default_bulksub.go</c>, <c>pkg/runtime/subscription/bulksubscription.go</c>):
/// messages the component hands over are collected until <c>maxMessagesCount</c> (default 100) are
/// waiting or <c>maxAwaitDurationMs</c> (default 1000) passed since the first, then delivered in one call
/// per route with daprd's bulk envelope. Each message's handler call waits for its entry's status, so
/// acknowledgement stays per message: SUCCESS and DROP (dead-lettered when configured) are handled; RETRY,
/// an unknown status or a missing entry is retried under the inbound resiliency policy, then dead-lettered
/// or failed. The component's concurrency bounds how many messages can wait at once.
/// </summary>
internal sealed partial class BulkBatcher(TopicSubscription subscription, DeliveryServices services, IEventSink sink, PubSubEntry pubsub, BulkSubscribeOptions options, ILogger logger)
{
    public const int DefaultMaxMessagesCount = 100;
    public const int DefaultMaxAwaitDurationMs = 1000;

    private readonly object _gate = new();
    private readonly int _maxCount = options.MaxMessagesCount > 0 ? options.MaxMessagesCount : DefaultMaxMessagesCount;
    private readonly TimeSpan _maxAwait = TimeSpan.FromMilliseconds(options.MaxAwaitDurationMs > 0 ? options.MaxAwaitDurationMs : DefaultMaxAwaitDurationMs);
    private List<Waiting> _batch = [];
    private long _generation;

    /// <summary>The component handler: returns when the message's entry succeeded or was dropped; throws when it failed.</summary>
    public async Task HandleAsync(PubSubMessage message, CancellationToken componentToken)
    {
        var waiting = new Waiting(message, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        List<Waiting>? full = null;
        long generation = -1;
        lock (_gate)
        {
            _batch.Add(waiting);
            if (_batch.Count >= _maxCount)
            {
                full = _batch;
                _batch = [];
                _generation++;
            }
            else if (_batch.Count == 1)
            {
                generation = _generation;
            }
        }

        if (full is not null)
        {
            _ = FlushAsync(full);
        }
        else if (generation >= 0)
        {
            _ = FlushAfterAwaitAsync(generation);
        }

        await waiting.Done.Task.WaitAsync(componentToken);
    }

    private async Task FlushAfterAwaitAsync(long generation)
    {
        try
        {
            await Task.Delay(_maxAwait, services.Time, services.Stopping);
        }
        catch (OperationCanceledException)
        {
            // Stopping: waiting messages stay unacknowledged (the component cancels their handlers).
            return;
        }

        List<Waiting>? batch = null;
        lock (_gate)
        {
            if (_generation == generation && _batch.Count > 0)
            {
                batch = _batch;
                _batch = [];
                _generation++;
            }
        }

        if (batch is not null)
        {
            await FlushAsync(batch);
        }
    }

    // Never throws: every waiting message ends succeeded, failed, or (stopping / receiver gone) unanswered.
    private async Task FlushAsync(List<Waiting> batch)
    {
        var documents = new List<JsonDocument>();
        try
        {
            var byPath = new Dictionary<string, List<(Waiting Waiting, BulkEventEntry Entry)>>(StringComparer.Ordinal);
            foreach (var waiting in batch)
            {
                var message = waiting.Message;
                var metadata = new Dictionary<string, string>(message.Metadata, StringComparer.Ordinal) { ["pubsubName"] = pubsub.Name };
                if (subscription.EnvelopeOf(message, metadata) is not { } data || TopicSubscription.Parse(data) is not { } document)
                {
                    await FailAsync(waiting, "error deserializing one of the messages in bulk cloud event");
                    continue;
                }

                documents.Add(document);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    await FailAsync(waiting, "error deserializing one of the messages in bulk cloud event: not a JSON object");
                    continue;
                }

                var cloudEvent = document.RootElement;
                if (subscription.HasExpired(cloudEvent))
                {
                    await subscription.TryDeadLetterAsync(message, services.Stopping);
                    waiting.Done.TrySetResult();
                    continue;
                }

                string? path;
                try
                {
                    path = subscription.FindRoute(cloudEvent);
                }
                catch (CelEvaluationException ex)
                {
                    await FailAsync(waiting, "error finding matching route for event in bulk subscribe: " + ex.Message);
                    continue;
                }

                if (path is null)
                {
                    await subscription.TryDeadLetterAsync(message, services.Stopping);
                    waiting.Done.TrySetResult();
                    continue;
                }

                var entry = subscription.IsRawPayload
                    ? new BulkEventEntry(Guid.NewGuid().ToString(), message.Data, null, "application/octet-stream", message.Metadata)
                    : new BulkEventEntry(Guid.NewGuid().ToString(), data, cloudEvent, CloudEventEnvelope.CloudEventContentType, message.Metadata);
                if (!byPath.TryGetValue(path, out var group))
                {
                    byPath[path] = group = [];
                }

                group.Add((waiting, entry));
            }

            foreach (var (path, group) in byPath)
            {
                await DeliverAsync(path, group);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.BulkFailed(logger, subscription.Definition.Topic, ex.Message);
            foreach (var waiting in batch)
            {
                waiting.Done.TrySetException(ex);
            }
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }
        }
    }

    private async Task DeliverAsync(string path, List<(Waiting Waiting, BulkEventEntry Entry)> group)
    {
        var remaining = group;
        var topic = subscription.Definition.Topic;
        var policy = services.Resiliency.ForComponentInbound(pubsub.Name, pubsub.Component.Type);
        var metadata = new Dictionary<string, string> { ["pubsubName"] = pubsub.Name };
        try
        {
            await policy.ExecuteAsync(
                async ct =>
                {
                    var outcomes = await sink.DeliverBulkAsync(new BulkEventDelivery(path, remaining.Select(r => r.Entry).ToList(), metadata, topic, pubsub.Name), ct);
                    var retry = new List<(Waiting Waiting, BulkEventEntry Entry)>();
                    foreach (var item in remaining)
                    {
                        switch (outcomes.GetValueOrDefault(item.Entry.EntryId, DeliveryOutcome.Retry))
                        {
                            case DeliveryOutcome.Success:
                                item.Waiting.Done.TrySetResult();
                                break;
                            case DeliveryOutcome.Drop:
                                Log.Dropped(logger, item.Entry.EntryId, topic);
                                await subscription.TryDeadLetterAsync(item.Waiting.Message, services.Stopping);
                                item.Waiting.Done.TrySetResult();
                                break;
                            default:
                                retry.Add(item);
                                break;
                        }
                    }

                    remaining = retry;
                    return remaining.Count == 0
                        ? true
                        : throw new InvalidOperationException($"RETRY required while processing bulk subscribe event for {remaining.Count} entries");
                },
                services.Stopping);
        }
        catch (Exception) when (services.Stopping.IsCancellationRequested)
        {
            // Stopping: the rest stays unacknowledged.
        }
        catch (Exception ex)
        {
            foreach (var item in remaining)
            {
                await FailAsync(item.Waiting, ex.Message);
            }
        }
    }

    private async Task FailAsync(Waiting waiting, string error)
    {
        Log.BulkEntryFailed(logger, waiting.Message.Id, subscription.Definition.Topic, error);
        if (!string.IsNullOrEmpty(subscription.Definition.DeadLetterTopic) && await subscription.TryDeadLetterAsync(waiting.Message, services.Stopping))
        {
            waiting.Done.TrySetResult();
            return;
        }

        waiting.Done.TrySetException(new InvalidOperationException(error));
    }

    private sealed record Waiting(PubSubMessage Message, TaskCompletionSource Done);

    private static partial class Log
    {
        [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Bulk delivery on topic {Topic} failed: {Reason}")]
        public static partial void BulkFailed(ILogger logger, string topic, string reason);

        [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Bulk entry {MessageId} on topic {Topic} failed: {Reason}")]
        public static partial void BulkEntryFailed(ILogger logger, string messageId, string topic, string reason);

        [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "DROP status returned from app while processing bulk entry {EntryId} on topic {Topic}")]
        public static partial void Dropped(ILogger logger, string entryId, string topic);
    }
}
