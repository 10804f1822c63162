using System.ComponentModel.DataAnnotations;

namespace BioDapr.Orders.Hormones;

/// <summary>Live business limits of the orders cell (hormones <c>orders.maxQuantity</c>, <c>orders.acceptingOrders</c>).</summary>
public sealed record OrderLimits
{
    /// <summary>Default largest quantity per order.</summary>
    public const int DefaultMaxQuantity = 10;

    /// <summary>The largest quantity one order may ask for.</summary>
    [Range(1, 10_000)]
    public int MaxQuantity { get; init; } = DefaultMaxQuantity;

    /// <summary>False closes the shop: new orders get 503.</summary>
    public bool AcceptingOrders { get; init; } = true;

    /// <summary>Price per item (the demo catalogue has one price).</summary>
    [Range(0.01, 100_000)]
    public decimal UnitPrice { get; init; } = 9.99m;
}
