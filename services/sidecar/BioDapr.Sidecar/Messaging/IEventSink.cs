using System.Text.Json;
using BioDapr.Sidecar.Tracing;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Where a subscription's events go (daprd's "postman"): the app over HTTP, the app over gRPC
/// (<c>AppCallback.OnTopicEvent</c>), or a streaming subscriber (<c>SubscribeTopicEventsAlpha1</c>).
/// Delivery guarantees (retries, dead letters, acknowledgement) stay in <see cref="TopicSubscription"/>.
/// </summary>
internal interface IEventSink
{
    /// <summary>Delivers one event and says how the receiver answered.</summary>
    Task<SinkReply> DeliverAsync(EventDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Delivers a batch in one call and returns the outcome per entry id (entries without an answer are missing).</summary>
    Task<IReadOnlyDictionary<string, DeliveryOutcome>> DeliverBulkAsync(BulkEventDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>One event on its way to a receiver.</summary>
/// <param name="Path">The route the subscription's rules chose.</param>
/// <param name="Data">The CloudEvent envelope bytes.</param>
/// <param name="CloudEvent">The parsed envelope (valid during the delivery only).</param>
/// <param name="Metadata">The message metadata (with <c>pubsubName</c>).</param>
/// <param name="Span">The delivery span, or null.</param>
/// <param name="Topic">The topic (without the component's prefix).</param>
/// <param name="PubsubName">The pub/sub component.</param>
internal sealed record EventDelivery(string Path, ReadOnlyMemory<byte> Data, JsonElement CloudEvent, IReadOnlyDictionary<string, string> Metadata, TraceContext? Span, string Topic, string PubsubName);

/// <summary>One entry of a bulk delivery.</summary>
internal sealed record BulkEventEntry(string EntryId, ReadOnlyMemory<byte> Event, JsonElement? CloudEvent, string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A batch for one route.</summary>
internal sealed record BulkEventDelivery(string Path, IReadOnlyList<BulkEventEntry> Entries, IReadOnlyDictionary<string, string> Metadata, string Topic, string PubsubName);

/// <summary>The receiver's answer: the outcome and, for a failed HTTP delivery, the status code and a message.</summary>
internal readonly record struct SinkReply(DeliveryOutcome Outcome, int? StatusCode, string Detail);

/// <summary>The receiver is gone (a streaming subscriber disconnected); the event stays unacknowledged.</summary>
internal sealed class EventSinkClosedException(string message) : Exception(message);
