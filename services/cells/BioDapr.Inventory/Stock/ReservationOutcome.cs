namespace BioDapr.Inventory.Stock;

/// <summary>How a reservation or a release ended.</summary>
public enum ReservationOutcome
{
    /// <summary>Done now.</summary>
    Done,

    /// <summary>Already done by an earlier call with the same order and attempt: the first outcome is returned.</summary>
    Replayed,

    /// <summary>The SKU is not in the catalogue.</summary>
    UnknownSku,

    /// <summary>Not enough stock.</summary>
    OutOfStock,

    /// <summary>The order's reservation was released (or superseded by a later attempt): this attempt may not reserve.</summary>
    Released,

    /// <summary>The order id was used for another product or quantity.</summary>
    Mismatch,

    /// <summary>The stock changed under every try: try again later.</summary>
    Contended,
}
