namespace BioDapr.Contracts;

/// <summary>The pub/sub component and topics of the organism.</summary>
public static class Topics
{
    /// <summary>The pub/sub component of the order events and dead letters (same name in every environment).</summary>
    public const string PubSub = "pubsub";

    /// <summary>
    /// The pub/sub component of the <see cref="Vitals"/> topic only (same name in every environment): vital signs are
    /// kept for minutes, order events for as long as a subscriber may be away. daprd's <c>pubsub.redis</c> caps streams per
    /// component (<c>maxLenApprox</c>), not per topic, so each retention class is a component of its own.
    /// </summary>
    public const string VitalsPubSub = "vitals-pubsub";

    /// <summary>Order lifecycle events.</summary>
    public const string Orders = "orders";

    /// <summary>Payment results.</summary>
    public const string Payments = "payments";

    /// <summary>Shipments of confirmed orders (published by the shipping cell).</summary>
    public const string Shipments = "shipments";

    /// <summary>
    /// Events a cell could never handle (dropped, or retries exhausted): the subscriptions that handle every event type
    /// of their topic (orders' payment results, notifications' order events) name this topic as their dead-letter topic,
    /// so the sidecar moves such an event here whole (its CloudEvent, original topic included) instead of losing it.
    /// Subscriptions that take only some types of a shared topic (inventory, payments) do not: daprd dead-letters every
    /// event that matches no route, so each event type they ignore would land here. Kept for a retention period; inspect and replay with <c>./biodapr deadletters</c>.
    /// </summary>
    public const string DeadLetters = "deadletters";

    /// <summary>Vital-sign windows of every cell (on <see cref="VitalsPubSub"/>).</summary>
    public const string Vitals = "vitals";
}
