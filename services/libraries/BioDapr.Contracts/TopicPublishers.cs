namespace BioDapr.Contracts;

/// <summary>
/// Who publishes each topic: the app id the publishing sidecar puts in the CloudEvent <c>source</c>. Consumers
/// accept a topic's events only from its publisher; the pub/sub component's <c>publishingScopes</c> say the same
/// to the sidecars.
/// </summary>
public static class TopicPublishers
{
    /// <summary>The publisher of <see cref="Topics.Orders"/> (OrderPlaced, OrderConfirmed, OrderCancelled).</summary>
    public const string Orders = "orders";

    /// <summary>The publisher of <see cref="Topics.Payments"/> (PaymentCaptured, PaymentFailed).</summary>
    public const string Payments = "payments";

    /// <summary>The publisher of <see cref="Topics.Shipments"/> (ShipmentDispatched): the TypeScript shipping cell.</summary>
    public const string Shipping = "shipping";
}
