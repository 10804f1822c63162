namespace BioDapr.Gateway.Apis;

/// <summary>Where an order is.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Status"><c>placed</c> (awaiting payment), <c>confirmed</c>, <c>shipped</c> (handed to a carrier) or <c>cancelled</c>.</param>
/// <param name="Detail">The payment id, or why it was cancelled.</param>
/// <param name="ChangedAt">When the status last changed.</param>
/// <param name="Shipment">For a shipped order: its shipment.</param>
public sealed record OrderStatusView(string OrderId, string Status, string? Detail, DateTimeOffset? ChangedAt, ShipmentView? Shipment = null);
