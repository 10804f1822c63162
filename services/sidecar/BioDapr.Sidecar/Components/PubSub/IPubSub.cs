namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>
/// A pub/sub component (<c>pubsub.*</c>): the broker side of Dapr's publish/subscribe building block.
/// The envelope (CloudEvent) is built by the runtime; components move opaque bytes plus a metadata map.
/// </summary>
internal interface IPubSub : IComponent
{
    /// <summary>Publishes one message. Throws <see cref="PubSubPublishException"/> when the broker fails.</summary>
    Task PublishAsync(PubSubPublishRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Starts delivering messages of <see cref="PubSubSubscribeRequest.Topic"/> to <paramref name="handler"/>
    /// until the returned handle is disposed. Handler semantics follow Dapr 1.17+ components:
    /// when the handler returns or throws, the message is acknowledged; only when the handler's
    /// cancellation token fires (the component's processing deadline, or shutdown) is it left
    /// unacknowledged, to be redelivered later (Redis: XPENDING/XCLAIM).
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(PubSubSubscribeRequest request, PubSubHandler handler, CancellationToken cancellationToken);
}

/// <summary>Handles one delivered message. Throwing means the delivery failed (the runtime decides retries and dead letters before that).</summary>
internal delegate Task PubSubHandler(PubSubMessage message, CancellationToken cancellationToken);
