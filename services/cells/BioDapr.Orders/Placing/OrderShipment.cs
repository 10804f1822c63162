namespace BioDapr.Orders.Placing;

/// <summary>The shipment of a shipped order, as the shipping cell announced it (ShipmentDispatched).</summary>
/// <param name="ShipmentId">The shipment.</param>
/// <param name="Carrier">Who carries it.</param>
/// <param name="DispatchAt">When the carrier picks it up.</param>
public sealed record OrderShipment(string ShipmentId, string Carrier, DateTimeOffset DispatchAt);
