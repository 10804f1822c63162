namespace BioDapr.Orders.Apis;

/// <summary>The body sent to inventory's <c>POST /reservations</c>.</summary>
public sealed record ReserveStock(string OrderId, string Sku, int Quantity);
