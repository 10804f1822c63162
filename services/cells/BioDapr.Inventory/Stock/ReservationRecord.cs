namespace BioDapr.Inventory.Stock;

/// <summary>
/// The reservation of one order (state key <c>reservation-{orderId}</c>), written in the same transaction as the
/// stock it changes. It makes reservations idempotent: a repeated reservation returns this record instead of
/// taking stock again; a release of an order that never reserved writes a released record, so a reservation
/// still on its way for that attempt is refused when it arrives.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="Sku">The product (null for a release that came before any reservation).</param>
/// <param name="Quantity">Units held, or released.</param>
/// <param name="Attempt">The order's attempt that owns the record; older attempts are refused.</param>
/// <param name="State"><see cref="Held"/> or <see cref="Released"/>.</param>
/// <param name="ChangedAt">When the state last changed.</param>
public sealed record ReservationRecord(string OrderId, string? Sku, int Quantity, int Attempt, string State, DateTimeOffset ChangedAt)
{
    /// <summary>The units are held for the order.</summary>
    public const string Held = "held";

    /// <summary>The units went back to stock (or were never taken).</summary>
    public const string Released = "released";
}
