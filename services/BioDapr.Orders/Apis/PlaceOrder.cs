using System.ComponentModel.DataAnnotations;

namespace BioDapr.Orders.Apis;

/// <summary>A request to place an order.</summary>
public sealed record PlaceOrder(
    [property: Required, StringLength(64, MinimumLength = 1)] string CustomerId,
    [property: Required, StringLength(64, MinimumLength = 1)] string Sku,
    [property: Range(1, int.MaxValue)] int Quantity);
