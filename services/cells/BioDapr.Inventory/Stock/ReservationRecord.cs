using System.Text.Json.Serialization;

namespace BioDapr.Inventory.Stock;

/// <summary>
/// The reservation of one order (state key <c>reservation-{orderId}</c>). It makes reservations idempotent: a repeated
/// reservation returns this record instead of taking stock again; a release of an order that never reserved writes a
/// released record, so a reservation still on its way for that attempt is refused when it arrives. While a change of
/// the SKU's stock is under way for the order the record says so first (<see cref="Reserving"/> or
/// <see cref="Releasing"/> with <see cref="Change"/>): any inventory replica that finds it completes it (the stock's
/// decision, then this record), so a replica that died mid-change leaves nothing half done.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="Sku">The product (null for a release that came before any reservation).</param>
/// <param name="Quantity">Units held, or released (or being reserved or released).</param>
/// <param name="Attempt">The order's attempt that owns the record; older attempts are refused.</param>
/// <param name="State"><see cref="Held"/>, <see cref="Refused"/>, <see cref="Released"/>, <see cref="Reserving"/> or <see cref="Releasing"/>.</param>
/// <param name="ChangedAt">When the state last changed.</param>
/// <param name="Change">The change under way (only while <see cref="Reserving"/> or <see cref="Releasing"/>).</param>
public sealed record ReservationRecord(
    string OrderId,
    string? Sku,
    int Quantity,
    int Attempt,
    string State,
    DateTimeOffset ChangedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PendingChange? Change = null)
{
    /// <summary>The units are held for the order.</summary>
    public const string Held = "held";

    /// <summary>The units went back to stock (or were never taken).</summary>
    public const string Released = "released";

    /// <summary>
    /// The stock refused this attempt (too few units when it was decided): nothing held. Kept so that the attempt's
    /// retries get the same answer (409) instead of reserving units that came back since; a later attempt reserves anew.
    /// </summary>
    public const string Refused = "refused";

    /// <summary>Units are being reserved: the stock's decision on <see cref="Change"/> says whether they were.</summary>
    public const string Reserving = "reserving";

    /// <summary>Held units are being given back: the stock's decision on <see cref="Change"/> says when they were.</summary>
    public const string Releasing = "releasing";

    /// <summary>True while a change of the stock is under way for this order.</summary>
    [JsonIgnore]
    public bool IsPending => Change is not null;
}

/// <summary>A change of a SKU's stock under way for an order.</summary>
/// <param name="Id">The change's id (new for every change): the key of its decision in <see cref="StockLevel.Decisions"/>.</param>
public sealed record PendingChange(string Id);
