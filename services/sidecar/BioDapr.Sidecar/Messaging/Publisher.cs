using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Hands messages to pub/sub components as daprd's publisher does: topic scoping first, then the
/// component's outbound resiliency policy around the component call. A publish that topic scoping refuses is logged
/// as a warning (daprd logs it at debug only): an app publishing what it may not is a forged event or a compromised
/// cell, and the operator should see it.
/// </summary>
internal sealed partial class Publisher(ComponentStore components, ResiliencyProvider resiliency, string appId, ILogger? logger = null)
{
    /// <summary>Publishes one message. Throws <see cref="PublishNotAllowedException"/> or <see cref="PubSubPublishException"/>.</summary>
    public async Task PublishAsync(PubSubEntry pubsub, string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        if (!pubsub.IsPublishAllowed(topic))
        {
            Refused(pubsub.Name, topic);
            throw new PublishNotAllowedException(topic, appId);
        }

        var request = new PubSubPublishRequest(pubsub.TopicPrefix + topic, data, metadata);
        var policy = resiliency.ForComponentOutbound(pubsub.Name, pubsub.Component.Type);
        try
        {
            await policy.ExecuteAsync(
                async ct =>
                {
                    await pubsub.Component.PublishAsync(request, ct);
                    return true;
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not (PubSubPublishException or OperationCanceledException))
        {
            throw new PubSubPublishException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Publishes many messages on one topic as daprd does for a component without native bulk publish:
    /// topic scoping once for the whole request (nothing is published when it refuses), then the entries
    /// one by one, up to <paramref name="parallelism"/> at once. Returns the entries that failed.
    /// </summary>
    public async Task<IReadOnlyList<(string EntryId, string Error)>> BulkPublishAsync(
        PubSubEntry pubsub,
        string topic,
        IReadOnlyList<(string EntryId, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string>? Metadata)> messages,
        int parallelism,
        CancellationToken cancellationToken)
    {
        if (!pubsub.IsPublishAllowed(topic))
        {
            Refused(pubsub.Name, topic);
            throw new PublishNotAllowedException(topic, appId);
        }

        var failed = new System.Collections.Concurrent.ConcurrentBag<(string EntryId, string Error)>();
        await Parallel.ForEachAsync(
            messages,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (message, ct) =>
            {
                try
                {
                    await PublishAsync(pubsub, topic, message.Data, message.Metadata, ct);
                }
                catch (PubSubPublishException ex)
                {
                    failed.Add((message.EntryId, ex.Message));
                }
            });
        return [.. failed];
    }

    /// <summary>Finds a pub/sub component by name.</summary>
    public bool TryGet(string name, out PubSubEntry entry) => components.PubSubs.TryGetValue(name, out entry!);

    private void Refused(string pubsub, string topic)
    {
        if (logger is not null)
        {
            Log.PublishRefused(logger, appId, topic, pubsub);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 26, Level = LogLevel.Warning, Message = "Refused a publish: app {AppId} may not publish on topic {Topic} of {PubSub} (topic scoping); a forged event or a compromised app")]
        public static partial void PublishRefused(ILogger logger, string appId, string topic, string pubSub);
    }
}
