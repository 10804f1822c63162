namespace BioDapr.Contracts.Events;

/// <summary>The payment of an order was captured (topic <see cref="Topics.Payments"/>, type <see cref="Type"/>).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="PaymentId">The payment.</param>
/// <param name="Amount">The amount captured.</param>
/// <param name="CapturedAt">When.</param>
public sealed record PaymentCaptured(string OrderId, string PaymentId, decimal Amount, DateTimeOffset CapturedAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.payments.captured.v1";
}

/// <summary>The payment of an order was refused (topic <see cref="Topics.Payments"/>, type <see cref="Type"/>).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Reason">Why, for people.</param>
/// <param name="FailedAt">When.</param>
public sealed record PaymentFailed(string OrderId, string Reason, DateTimeOffset FailedAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.payments.failed.v1";
}

/// <summary>An order was paid and is confirmed (topic <see cref="Topics.Orders"/>, type <see cref="Type"/>).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="PaymentId">The captured payment.</param>
/// <param name="ConfirmedAt">When.</param>
public sealed record OrderConfirmed(string OrderId, string CustomerId, string PaymentId, DateTimeOffset ConfirmedAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.orders.confirmed.v1";
}

/// <summary>An order was cancelled; its stock goes back (topic <see cref="Topics.Orders"/>, type <see cref="Type"/>).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="Sku">The reserved product.</param>
/// <param name="Quantity">The reserved quantity, to release.</param>
/// <param name="Reason">Why, for people.</param>
/// <param name="CancelledAt">When.</param>
public sealed record OrderCancelled(string OrderId, string CustomerId, string Sku, int Quantity, string Reason, DateTimeOffset CancelledAt)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.orders.cancelled.v1";
}
