namespace BioDapr.Orders.Apis;

/// <summary>The answer to an accepted order.</summary>
public sealed record OrderAccepted(string OrderId, string Sku, int Quantity, decimal Total, string Status);
