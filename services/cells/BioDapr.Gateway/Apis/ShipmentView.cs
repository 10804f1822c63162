namespace BioDapr.Gateway.Apis;

/// <summary>The shipment of a shipped order.</summary>
/// <param name="ShipmentId">The shipment.</param>
/// <param name="Carrier"><c>express</c>, <c>standard</c> or <c>economy</c>.</param>
/// <param name="DispatchAt">When the carrier picks it up.</param>
public sealed record ShipmentView(string ShipmentId, string Carrier, DateTimeOffset DispatchAt);
