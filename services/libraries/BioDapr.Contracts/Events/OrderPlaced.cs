namespace BioDapr.Contracts.Events;

/// <summary>An order was accepted and its stock reserved (topic <see cref="Topics.Orders"/>, type <see cref="Type"/>).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="Sku">What.</param>
/// <param name="Quantity">How many.</param>
/// <param name="Total">The amount to capture.</param>
/// <param name="PlacedAt">When the order was accepted.</param>
public sealed record OrderPlaced(string OrderId, string CustomerId, string Sku, int Quantity, decimal Total, DateTimeOffset PlacedAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.orders.placed.v1";
}
