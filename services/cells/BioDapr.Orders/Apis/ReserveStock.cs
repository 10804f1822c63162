namespace BioDapr.Orders.Apis;

/// <summary>The body sent to inventory's <c>POST /reservations</c>: attempt <paramref name="Attempt"/> of the order reserves.</summary>
public sealed record ReserveStock(string OrderId, string Sku, int Quantity, int Attempt);
