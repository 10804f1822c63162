using System.ComponentModel.DataAnnotations;
using BioDapr.Contracts;

namespace BioDapr.Gateway.Apis;

/// <summary>An order as the public API takes it (validated before it is forwarded: 400 with the field's error).</summary>
/// <param name="CustomerId">Who orders: 1 to 64 characters, no control characters.</param>
/// <param name="Sku">What: a catalogue SKU (1 to 64 characters; unknown SKUs are 404).</param>
/// <param name="Quantity">How many: 1 to 10,000 (the live limit is the hormone orders.maxQuantity).</param>
public sealed record PlaceOrderRequest(
    [property: Required, StringLength(64, MinimumLength = 1), RegularExpression(Products.TextPattern)] string CustomerId,
    [property: Required, StringLength(Products.MaxSkuLength, MinimumLength = 1), RegularExpression(Products.SkuPattern)] string Sku,
    [property: Range(1, 10_000)] int Quantity);
