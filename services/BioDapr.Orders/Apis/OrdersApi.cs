using BioDapr.Cell.Events;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Immune;
using BioDapr.Cell.Pathways;
using BioDapr.Client;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using BioDapr.Orders.Hormones;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BioDapr.Orders.Apis;

/// <summary>
/// <c>POST /orders</c>: checks the caller's API key (from the secret store), the live order limits
/// (hormones), reserves stock in inventory (a synaptic pathway: service invocation), stores the order
/// and publishes <see cref="OrderPlaced"/>.
/// </summary>
public static partial class OrdersApi
{
    /// <summary>The state store (memory) of the organism.</summary>
    public const string StateStore = "statestore";

    /// <summary>Maps the orders routes.</summary>
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/orders").WithTags("Orders");
        group.MapPost("/", PlaceAsync).WithName("PlaceOrder").AllowWithoutSidecarToken();
        group.MapGet("/{orderId}", GetAsync).WithName("GetOrder").AllowWithoutSidecarToken();
        group.MapGet("/{orderId}/status", GetStatusAsync).WithName("GetOrderStatus").AllowWithoutSidecarToken();
        routes.MapPost("/events/payment-captured", OnPaymentCapturedAsync)
            .WithTopic(Topics.PubSub, Topics.Payments, topic => topic.Match = $"event.type == \"{PaymentCaptured.Type}\"")
            .ExcludeFromDescription();
        routes.MapPost("/events/payment-failed", OnPaymentFailedAsync)
            .WithTopic(Topics.PubSub, Topics.Payments, topic => topic.Match = $"event.type == \"{PaymentFailed.Type}\"")
            .ExcludeFromDescription();
        return routes;
    }

    // Payment results: the order becomes confirmed or cancelled. Delivery is at least once, so the status
    // is saved before the event goes out and a redelivery publishes the same outcome again.
    internal static async Task<Ok<TopicResponse>> OnPaymentCapturedAsync(CloudEvent<PaymentCaptured> captured, IDaprSidecarClient sidecar, TimeProvider time, CancellationToken cancellationToken)
    {
        if (captured.Data is not { } payment || await sidecar.GetStateAsync<OrderPlaced>(StateStore, "order-" + payment.OrderId, cancellationToken: cancellationToken) is not { } order)
        {
            return TopicResults.Drop();
        }

        await sidecar.SaveStateAsync(StateStore, StatusKey(order.OrderId), new OrderStatus(order.OrderId, "confirmed", payment.PaymentId, time.GetUtcNow()), cancellationToken: cancellationToken);
        await sidecar.PublishEventAsync(Topics.PubSub, Topics.Orders, new OrderConfirmed(order.OrderId, order.CustomerId, payment.PaymentId, time.GetUtcNow()), new PublishEventOptions { CloudEventType = OrderConfirmed.Type }, cancellationToken);
        return TopicResults.Success();
    }

    internal static async Task<Ok<TopicResponse>> OnPaymentFailedAsync(CloudEvent<PaymentFailed> failed, IDaprSidecarClient sidecar, TimeProvider time, CancellationToken cancellationToken)
    {
        if (failed.Data is not { } payment || await sidecar.GetStateAsync<OrderPlaced>(StateStore, "order-" + payment.OrderId, cancellationToken: cancellationToken) is not { } order)
        {
            return TopicResults.Drop();
        }

        await sidecar.SaveStateAsync(StateStore, StatusKey(order.OrderId), new OrderStatus(order.OrderId, "cancelled", payment.Reason, time.GetUtcNow()), cancellationToken: cancellationToken);
        await sidecar.PublishEventAsync(Topics.PubSub, Topics.Orders, new OrderCancelled(order.OrderId, order.CustomerId, order.Sku, order.Quantity, payment.Reason, time.GetUtcNow()), new PublishEventOptions { CloudEventType = OrderCancelled.Type }, cancellationToken);
        return TopicResults.Success();
    }

    internal static async Task<Ok<OrderStatus>> GetStatusAsync(string orderId, IDaprSidecarClient sidecar, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sidecar.GetStateAsync<OrderStatus>(StateStore, StatusKey(orderId), cancellationToken: cancellationToken)
            ?? new OrderStatus(orderId, "placed", null, null));

    private static string StatusKey(string orderId) => "order-" + orderId + "-status";

    internal static async Task<Results<Created<OrderAccepted>, ValidationProblem, ProblemHttpResult>> PlaceAsync(
        PlaceOrder order,
        [FromHeader(Name = "X-Api-Key")] string? apiKey,
        IConfiguration configuration,
        IHormones<OrderLimits> limits,
        IDaprSidecarClient sidecar,
        CellPathways pathways,
        TimeProvider time,
        ILogger<PlaceOrder> logger,
        CancellationToken cancellationToken)
    {
        if (!IsValidKey(apiKey, configuration["orders-api-key"]))
        {
            return TypedResults.Problem("A valid X-Api-Key header is required.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        var current = limits.Current;
        if (!current.AcceptingOrders)
        {
            return TypedResults.Problem("The shop is closed (hormone orders.acceptingOrders is false).", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Closed");
        }

        if (order.Quantity > current.MaxQuantity)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [nameof(PlaceOrder.Quantity)] = [$"At most {current.MaxQuantity} items per order (hormone orders.maxQuantity)."],
            });
        }

        var orderId = Guid.NewGuid().ToString("N");
        // The synaptic pathway orders → inventory (two calls per order, both while this request holds one
        // of the cell's worker slots): timeouts, retries, breaker and limits are live hormones.
        var inventory = pathways["inventory"];
        var check = await inventory.InvokeAsync(HttpMethod.Get, "stock/" + Uri.EscapeDataString(order.Sku), null, cancellationToken);
        using (var stock = check.Value)
        {
            if (stock is null || !stock.IsSuccessStatusCode)
            {
                Log.ReservationFailed(logger, orderId, check.Outcome.ToString());
                return TypedResults.Problem($"Inventory could not be asked for stock ({check.Outcome}).", statusCode: StatusCodes.Status502BadGateway, title: "Inventory unavailable");
            }

            var level = await stock.Content.ReadFromJsonAsync<StockLevelView>(cancellationToken);
            if (level is not null && level.Available < order.Quantity)
            {
                return TypedResults.Problem($"Not enough stock of {order.Sku}.", statusCode: StatusCodes.Status409Conflict, title: "Out of stock");
            }
        }

        var reservation = await inventory.InvokeAsync(HttpMethod.Post, "reservations", new ReserveStock(orderId, order.Sku, order.Quantity), cancellationToken);
        using (var reserved = reservation.Value)
        {
            if (reserved?.StatusCode == HttpStatusCode.Conflict)
            {
                return TypedResults.Problem($"Not enough stock of {order.Sku}.", statusCode: StatusCodes.Status409Conflict, title: "Out of stock");
            }

            if (reserved is null || !reserved.IsSuccessStatusCode)
            {
                Log.ReservationFailed(logger, orderId, reservation.Outcome.ToString());
                return TypedResults.Problem($"Inventory could not reserve the stock ({reservation.Outcome}).", statusCode: StatusCodes.Status502BadGateway, title: "Inventory unavailable");
            }
        }

        var placed = new OrderPlaced(orderId, order.CustomerId, order.Sku, order.Quantity, order.Quantity * current.UnitPrice, time.GetUtcNow());
        await sidecar.SaveStateAsync(StateStore, "order-" + orderId, placed, cancellationToken: cancellationToken);
        await sidecar.PublishEventAsync(Topics.PubSub, Topics.Orders, placed, new PublishEventOptions { CloudEventType = OrderPlaced.Type }, cancellationToken);
        Log.Placed(logger, orderId, order.Sku, order.Quantity);
        return TypedResults.Created($"/orders/{orderId}", new OrderAccepted(orderId, order.Sku, order.Quantity, placed.Total, "placed"));
    }

    internal static async Task<Results<Ok<OrderPlaced>, NotFound>> GetAsync(string orderId, IDaprSidecarClient sidecar, CancellationToken cancellationToken) =>
        await sidecar.GetStateAsync<OrderPlaced>(StateStore, "order-" + orderId, cancellationToken: cancellationToken) is { } order
            ? TypedResults.Ok(order)
            : TypedResults.NotFound();

    private static bool IsValidKey(string? sent, string? expected) =>
        !string.IsNullOrEmpty(expected) && sent is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Order {OrderId} placed: {Quantity} x {Sku}")]
        public static partial void Placed(ILogger logger, string orderId, string sku, int quantity);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Order {OrderId}: the inventory pathway ended with {Outcome}")]
        public static partial void ReservationFailed(ILogger logger, string orderId, string outcome);
    }
}

/// <summary>What orders reads of inventory's <c>GET /stock/{sku}</c>.</summary>
internal sealed record StockLevelView(string Sku, int Available, int Reserved);

/// <summary>Where an order is: placed (awaiting payment), confirmed or cancelled.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Status">placed, confirmed or cancelled.</param>
/// <param name="Detail">The payment id, or why it was cancelled.</param>
/// <param name="ChangedAt">When the status last changed.</param>
public sealed record OrderStatus(string OrderId, string Status, string? Detail, DateTimeOffset? ChangedAt);
