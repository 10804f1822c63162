namespace BioDapr.Orders.Placing;

/// <summary>What recording a shipment did.</summary>
public enum ShipmentOutcome
{
    /// <summary>The order is shipped (now, or it already was): the event is done.</summary>
    Recorded,

    /// <summary>The order is still placed (its payment result has not been applied yet): retry the event later.</summary>
    NotConfirmedYet,

    /// <summary>No accepted order has this id: the event is dropped.</summary>
    UnknownOrder,
}
