using System.ComponentModel.DataAnnotations;
using BioDapr.Contracts;

namespace BioDapr.Orders.Apis;

/// <summary>A request to place an order.</summary>
/// <param name="CustomerId">Who orders (1 to 64 characters, no control characters).</param>
/// <param name="Sku">What (a catalogue SKU).</param>
/// <param name="Quantity">How many (the live limit is the hormone orders.maxQuantity).</param>
public sealed record PlaceOrder(
    [property: Required, StringLength(64, MinimumLength = 1), RegularExpression(Products.TextPattern)] string CustomerId,
    [property: Required, StringLength(Products.MaxSkuLength, MinimumLength = 1), RegularExpression(Products.SkuPattern)] string Sku,
    [property: Range(1, 10_000)] int Quantity);
