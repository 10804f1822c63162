namespace BioDapr.Contracts.Events;

/// <summary>
/// A confirmed order was handed to a carrier (topic <see cref="Topics.Shipments"/>, type <see cref="Type"/>). Published by the
/// shipping cell (TypeScript, services/cells/shipping), which validates it against the same committed JSON Schema before publishing.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="ShipmentId">The shipment: one per order (<c>shp-</c> and the order id).</param>
/// <param name="Carrier">Who carries it (<c>express</c>, <c>standard</c> or <c>economy</c>).</param>
/// <param name="DispatchAt">When the carrier picks it up.</param>
/// <param name="DispatchedAt">When shipping decided it.</param>
public sealed record ShipmentDispatched(string OrderId, string CustomerId, string ShipmentId, string Carrier, DateTimeOffset DispatchAt, DateTimeOffset DispatchedAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.shipments.dispatched.v1";
}
