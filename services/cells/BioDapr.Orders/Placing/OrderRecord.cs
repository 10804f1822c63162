namespace BioDapr.Orders.Placing;

/// <summary>
/// One order as stored (state key <c>order-{orderId}</c>), from the first attempt to place it to its final state.
/// The order id is derived from the client and its Idempotency-Key, so every retry and redelivery of the same
/// request finds this record and gets its first outcome. Status changes are guarded by the record's ETag.
/// </summary>
/// <param name="OrderId">The order (a hash of client and Idempotency-Key).</param>
/// <param name="Client">The client that placed it: only this client sees it.</param>
/// <param name="IdempotencyKey">The client's key (or the one the gateway derived).</param>
/// <param name="Fingerprint">A hash of the request body: the same key with another body is refused.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="Sku">What.</param>
/// <param name="Quantity">How many.</param>
/// <param name="Total">The amount to capture.</param>
/// <param name="Status">See <see cref="OrderStatuses"/>.</param>
/// <param name="Attempt">The attempt that owns the order now (its inventory reservation carries the same number).</param>
/// <param name="DeadlineUnixMs">When the attempt's caller gives up: a pending attempt is never placed after it.</param>
/// <param name="Slot">The journal slot that tracks the attempt until it is settled, or null.</param>
/// <param name="Fenced">Requests (X-Request-Id) whose caller gave up: they may not start another attempt.</param>
/// <param name="ReplyStatus">For a refused order: the status it was refused with.</param>
/// <param name="ReplyTitle">For a refused order: the problem title.</param>
/// <param name="Detail">The payment id, why it was cancelled, or why it was refused.</param>
/// <param name="CreatedAt">When it was first claimed.</param>
/// <param name="ChangedAt">When its status last changed.</param>
/// <param name="Shipment">For a shipped order: the shipment the shipping cell dispatched.</param>
public sealed record OrderRecord(
    string OrderId,
    string Client,
    string IdempotencyKey,
    string Fingerprint,
    string CustomerId,
    string Sku,
    int Quantity,
    decimal Total,
    string Status,
    int Attempt,
    long DeadlineUnixMs,
    int? Slot,
    IReadOnlyList<string> Fenced,
    int? ReplyStatus,
    string? ReplyTitle,
    string? Detail,
    DateTimeOffset CreatedAt,
    DateTimeOffset ChangedAt,
    OrderShipment? Shipment = null)
{
    /// <summary>True once the order was accepted (201 answered): placed, confirmed or cancelled.</summary>
    public bool IsAccepted => Status is OrderStatuses.Placed or OrderStatuses.Confirmed or OrderStatuses.Shipped or OrderStatuses.Cancelled;
}

/// <summary>
/// The states of an order. pending → placed → confirmed | cancelled; pending → refused | aborted; aborted → pending
/// (a later request with the same key tries again). confirmed, cancelled and refused never change.
/// </summary>
public static class OrderStatuses
{
    /// <summary>An attempt is working on it (stock being reserved).</summary>
    public const string Pending = "pending";

    /// <summary>Accepted: stock reserved, OrderPlaced published, payment awaited.</summary>
    public const string Placed = "placed";

    /// <summary>Paid. Final.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>Confirmed, and handed to a carrier by the shipping cell (ShipmentDispatched); final.</summary>
    public const string Shipped = "shipped";

    /// <summary>Payment refused; stock given back. Final.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Refused for a reason that a retry would meet again (unknown SKU, out of stock). Final.</summary>
    public const string Refused = "refused";

    /// <summary>The attempt was rolled back (nothing reserved, nothing charged); the same key may try again.</summary>
    public const string Aborted = "aborted";
}
