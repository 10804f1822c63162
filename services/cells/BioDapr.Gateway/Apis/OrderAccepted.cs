namespace BioDapr.Gateway.Apis;

/// <summary>An accepted order (201; its Location is <c>/api/orders/{orderId}</c>).</summary>
/// <param name="OrderId">The order (32 lowercase hex digits).</param>
/// <param name="Sku">What.</param>
/// <param name="Quantity">How many.</param>
/// <param name="Total">The amount that payment captures.</param>
/// <param name="Status">Always <c>placed</c>: payment confirms or cancels it next.</param>
public sealed record OrderAccepted(string OrderId, string Sku, int Quantity, decimal Total, string Status);
