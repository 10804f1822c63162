using System.Net;
using System.Security.Cryptography;
using System.Text;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Immune;
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
        return routes;
    }

    internal static async Task<Results<Created<OrderAccepted>, ValidationProblem, ProblemHttpResult>> PlaceAsync(
        PlaceOrder order,
        [FromHeader(Name = "X-Api-Key")] string? apiKey,
        IConfiguration configuration,
        IHormones<OrderLimits> limits,
        IDaprSidecarClient sidecar,
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
        using (var reserve = sidecar.CreateInvokeMethodRequest(HttpMethod.Post, "inventory", "reservations", new ReserveStock(orderId, order.Sku, order.Quantity)))
        using (var reserved = await sidecar.InvokeMethodWithResponseAsync(reserve, cancellationToken))
        {
            if (reserved.StatusCode == HttpStatusCode.Conflict)
            {
                return TypedResults.Problem($"Not enough stock of {order.Sku}.", statusCode: StatusCodes.Status409Conflict, title: "Out of stock");
            }

            if (!reserved.IsSuccessStatusCode)
            {
                Log.ReservationFailed(logger, orderId, (int)reserved.StatusCode);
                return TypedResults.Problem("Inventory could not reserve the stock.", statusCode: StatusCodes.Status502BadGateway, title: "Inventory unavailable");
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

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Order {OrderId}: inventory answered {Status}")]
        public static partial void ReservationFailed(ILogger logger, string orderId, int status);
    }
}
