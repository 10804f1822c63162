using System.Globalization;
using BioDapr.Cell.Events;
using BioDapr.Cell.Immune;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using Dapr;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Notifications.Apis;

/// <summary>Reacts to order events (neurotransmitters from orders only, each once) and lists what it sent.</summary>
public static partial class NotificationsApi
{
    /// <summary>Maps the subscriber endpoints (sidecar callbacks) and the list of notifications (public).</summary>
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/events/order-placed", OnOrderPlaced).WithTopic(From(OrderPlaced.Type, 1)).AcceptFrom(TopicPublishers.Orders).ExcludeFromDescription();
        routes.MapPost("/events/order-confirmed", OnOrderConfirmed).WithTopic(From(OrderConfirmed.Type, 2)).AcceptFrom(TopicPublishers.Orders).ExcludeFromDescription();
        routes.MapPost("/events/order-cancelled", OnOrderCancelled).WithTopic(From(OrderCancelled.Type, 3)).AcceptFrom(TopicPublishers.Orders).ExcludeFromDescription();
        routes.MapPost("/events/shipment-dispatched", OnShipmentDispatched).WithTopic(Topics.PubSub, Topics.Shipments).AcceptFrom(TopicPublishers.Shipping).ExcludeFromDescription();
        routes.MapGet("/notifications", (NotificationLog log) => TypedResults.Ok(log.Recent)).WithName("ListNotifications").PublicApi();
        return routes;
    }

    internal static Ok<TopicResponse> OnOrderPlaced(OrderPlaced order, CloudEventAttributes cloudEvent, HttpRequest request, NotificationLog log, TimeProvider time, ILogger<NotificationLog> logger)
    {
        if (string.IsNullOrEmpty(order.OrderId) || string.IsNullOrEmpty(order.CustomerId))
        {
            return TopicResults.Drop();
        }

        if (log.Add(cloudEvent.Id, new Notification(order.OrderId, order.CustomerId, $"Thank you! Order {order.OrderId}: {order.Quantity} x {order.Sku}.", time.GetUtcNow())))
        {
            var traceParent = request.Headers.TraceParent;
            Log.Notified(logger, order.OrderId, order.CustomerId, traceParent.Count > 0 ? traceParent[0]! : string.Empty);
        }

        return TopicResults.Success();
    }

    internal static Ok<TopicResponse> OnOrderConfirmed(OrderConfirmed order, CloudEventAttributes cloudEvent, NotificationLog log, TimeProvider time) =>
        Notify(log, time, cloudEvent.Id, order.OrderId, order.CustomerId, $"Order {order.OrderId} is paid and on its way.");

    internal static Ok<TopicResponse> OnOrderCancelled(OrderCancelled order, CloudEventAttributes cloudEvent, NotificationLog log, TimeProvider time) =>
        Notify(log, time, cloudEvent.Id, order.OrderId, order.CustomerId, $"Order {order.OrderId} was cancelled: {order.Reason}");

    internal static Ok<TopicResponse> OnShipmentDispatched(ShipmentDispatched shipment, CloudEventAttributes cloudEvent, NotificationLog log, TimeProvider time) =>
        shipment is { ShipmentId.Length: > 0, Carrier.Length: > 0 }
            ? Notify(log, time, cloudEvent.Id, shipment.OrderId, shipment.CustomerId, string.Create(CultureInfo.InvariantCulture, $"Order {shipment.OrderId} is shipped with {shipment.Carrier} (shipment {shipment.ShipmentId}, picked up {shipment.DispatchAt:u})."))
            : TopicResults.Drop();

    // Every order event arrives on the orders topic; the CloudEvent type routes it to its handler.
    private static TopicOptions From(string type, int priority) => new() { PubsubName = Topics.PubSub, Name = Topics.Orders, Match = $"event.type == \"{type}\"", Priority = priority, DeadLetterTopic = Topics.DeadLetters };

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
