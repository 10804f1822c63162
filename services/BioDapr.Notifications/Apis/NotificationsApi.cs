using BioDapr.Cell.Events;
using BioDapr.Cell.Immune;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Notifications.Apis;

/// <summary>Reacts to order events (neurotransmitters from orders only, each once) and lists what it sent.</summary>
public static partial class NotificationsApi
{
    /// <summary>Maps the subscriber endpoints (sidecar callbacks) and the list of notifications (public).</summary>
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/events/order-placed", OnOrderPlaced).WithTopic(Topics.PubSub, Topics.Orders, From(OrderPlaced.Type)).ExcludeFromDescription();
        routes.MapPost("/events/order-confirmed", (CloudEvent<OrderConfirmed> e, NotificationLog log, TimeProvider time) =>
                Notify(log, time, e.Id, e.Data?.OrderId, e.Data?.CustomerId, $"Order {e.Data?.OrderId} is paid and on its way."))
            .WithTopic(Topics.PubSub, Topics.Orders, From(OrderConfirmed.Type))
            .ExcludeFromDescription();
        routes.MapPost("/events/order-cancelled", (CloudEvent<OrderCancelled> e, NotificationLog log, TimeProvider time) =>
                Notify(log, time, e.Id, e.Data?.OrderId, e.Data?.CustomerId, $"Order {e.Data?.OrderId} was cancelled: {e.Data?.Reason}"))
            .WithTopic(Topics.PubSub, Topics.Orders, From(OrderCancelled.Type))
            .ExcludeFromDescription();
        routes.MapGet("/notifications", (NotificationLog log) => TypedResults.Ok(log.Recent)).WithName("ListNotifications").PublicApi();
        return routes;
    }

    internal static Ok<TopicResponse> OnOrderPlaced(CloudEvent<OrderPlaced> placed, NotificationLog log, TimeProvider time, ILogger<NotificationLog> logger)
    {
        if (placed.Data is not { } order)
        {
            return TopicResults.Drop();
        }

        if (log.Add(placed.Id, new Notification(order.OrderId, order.CustomerId, $"Thank you! Order {order.OrderId}: {order.Quantity} x {order.Sku}.", time.GetUtcNow())))
        {
            Log.Notified(logger, order.OrderId, order.CustomerId, placed.TraceParent ?? string.Empty);
        }

        return TopicResults.Success();
    }

    private static Action<TopicOptions> From(string type) => topic =>
    {
        topic.Match = $"event.type == \"{type}\"";
        topic.AllowedSources.Add(TopicPublishers.Orders);
    };

    private static Ok<TopicResponse> Notify(NotificationLog log, TimeProvider time, string eventId, string? orderId, string? customerId, string text)
    {
        if (orderId is null || customerId is null)
        {
            return TopicResults.Drop();
        }

        log.Add(eventId, new Notification(orderId, customerId, text, time.GetUtcNow()));
        return TopicResults.Success();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Notified {CustomerId} about order {OrderId} (trace {TraceParent})")]
        public static partial void Notified(ILogger logger, string orderId, string customerId, string traceParent);
    }
}
