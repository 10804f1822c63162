using System.ComponentModel.DataAnnotations;
using BioDapr.Contracts;

namespace BioDapr.Inventory.Apis;

/// <summary>A request to reserve stock for an attempt of an order (orders sends it with the order's Idempotency-Key).</summary>
/// <param name="OrderId">The order (its reservation is deduplicated by this id).</param>
/// <param name="Sku">The product, from the catalogue.</param>
/// <param name="Quantity">Units.</param>
/// <param name="Attempt">Which attempt of the order reserves (a later attempt takes over what an earlier one holds).</param>
public sealed record Reservation(
    [property: Required, StringLength(128, MinimumLength = 1), RegularExpression(Reservation.IdPattern)] string OrderId,
    [property: Required, StringLength(Products.MaxSkuLength, MinimumLength = 1), RegularExpression(Products.SkuPattern)] string Sku,
    [property: Range(1, 1_000_000)] int Quantity,
    [property: Range(1, 1_000_000)] int Attempt = 1)
{
    /// <summary>Order ids are printable ASCII without spaces or slashes.</summary>
    public const string IdPattern = "^[A-Za-z0-9._:~-]+$";
}
