namespace BioDapr.Notifications.Apis;

/// <summary>A notification sent to a customer.</summary>
public sealed record Notification(string OrderId, string CustomerId, string Message, DateTimeOffset At);
