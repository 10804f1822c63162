using System.ComponentModel.DataAnnotations;

namespace BioDapr.Inventory.Apis;

/// <summary>A request to reserve stock for an order.</summary>
public sealed record Reservation(
    [property: Required] string OrderId,
    [property: Required, StringLength(64, MinimumLength = 1)] string Sku,
    [property: Range(1, int.MaxValue)] int Quantity);
