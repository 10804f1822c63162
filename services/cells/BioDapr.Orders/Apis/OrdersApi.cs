using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BioDapr.Cell.Events;
using BioDapr.Cell.Hosting;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using BioDapr.Orders.Placing;
using Dapr;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BioDapr.Orders.Apis;

/// <summary>
/// Orders' endpoints, called by the gateway through its sidecar (they need the orders API key from the secret
/// store): place an order exactly once per Idempotency-Key, give up a placement, read an order (only its client
/// sees it); and the payment results that confirm or cancel placed orders.
/// </summary>
public static partial class OrdersApi
{
    /// <summary>The client the gateway identified (orders trusts it: only the gateway holds the orders API key).</summary>
    public const string ClientHeader = "X-Client-Id";

    /// <summary>The gateway request an attempt belongs to (fenced once its caller gave up).</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>When the caller gives up, in Unix milliseconds: nothing is placed after it.</summary>
    public const string DeadlineHeader = "X-Request-Deadline";

    /// <summary>Set on an answer that repeats the first outcome of an earlier request with the same key.</summary>
    public const string ReplayedHeader = "Idempotency-Replayed";

    private const string KeyHeader = "Idempotency-Key";

    /// <summary>Maps the orders routes.</summary>
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/orders").WithTags("Orders");
        group.MapPost("/", PlaceAsync).WithName("PlaceOrder");
        group.MapPost("/abort", AbortAsync).WithName("AbortPlacement");
        group.MapGet("/{orderId}", GetAsync).WithName("GetOrder");
        group.MapGet("/{orderId}/status", GetStatusAsync).WithName("GetOrderStatus");
        routes.MapPost("/events/payment-captured", OnPaymentCapturedAsync)
            .WithTopic(new TopicOptions { PubsubName = Topics.PubSub, Name = Topics.Payments, Match = $"event.type == \"{PaymentCaptured.Type}\"", Priority = 1, DeadLetterTopic = Topics.DeadLetters })
            .AcceptFrom(TopicPublishers.Payments)
            .ExcludeFromDescription();
        routes.MapPost("/events/shipment-dispatched", OnShipmentDispatchedAsync)
            .WithTopic(Topics.PubSub, Topics.Shipments)
            .AcceptFrom(TopicPublishers.Shipping)
            .ExcludeFromDescription();
        routes.MapPost("/events/payment-failed", OnPaymentFailedAsync)
            .WithTopic(new TopicOptions { PubsubName = Topics.PubSub, Name = Topics.Payments, Match = $"event.type == \"{PaymentFailed.Type}\"", Priority = 2, DeadLetterTopic = Topics.DeadLetters })
            .AcceptFrom(TopicPublishers.Payments)
            .ExcludeFromDescription();
        return routes;
    }

    internal static async Task<IResult> PlaceAsync(
        PlaceOrder order,
        HttpRequest http,
        IConfiguration configuration,
        OrderPlacement placement,
        TimeProvider time,
        IOptions<OrdersOptions> options,
        WarmupRequests warmup,
        CancellationToken cancellationToken)
    {
        if (Caller(http, configuration) is { } refused)
        {
            return refused;
        }

        if (Products.IsWarmupSku(order.Sku))
        {
            // Only this process's own warm-up may place the warm-up SKU (its token is made at start and never leaves the
            // process); for anyone else it is not in the catalogue, and nothing is stored.
            if (!warmup.IsWarmup(http))
            {
                return TypedResults.Problem($"The SKU '{order.Sku}' is not in the catalogue.", statusCode: StatusCodes.Status404NotFound, title: "Unknown SKU");
            }

            return await placement.WarmUpAsync(cancellationToken)
                ? TypedResults.NoContent()
                : TypedResults.Problem("The warm-up placement did not run to its end.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Warm-up incomplete");
        }

        var key = http.Headers[KeyHeader].ToString();
        if (key.Length == 0)
        {
            // Called without a key (not through the gateway): this request is its own, unrepeatable, key.
            key = Guid.NewGuid().ToString("N");
        }
        else if (!KeyFormat().IsMatch(key))
        {
            return TypedResults.Problem("The Idempotency-Key must be 1 to 255 printable ASCII characters.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid Idempotency-Key");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var deadline = long.TryParse(http.Headers[DeadlineHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var asked)
            ? Math.Min(asked, now + (long)options.Value.MaxDeadline.TotalMilliseconds)
            : now + (long)options.Value.DefaultDeadline.TotalMilliseconds;
        var requestId = http.Headers[RequestIdHeader].ToString() is { Length: > 0 and <= 128 } id ? id : Guid.NewGuid().ToString("N");
        var outcome = await placement.PlaceAsync(new PlacementRequest(order, Client(http), key, requestId, deadline), cancellationToken);
        return Answer(http, outcome);
    }

    /// <summary>
    /// <c>POST /orders/abort</c> (with the Idempotency-Key and X-Request-Id of a placement whose caller gave up):
    /// 200 <c>{"status":"aborted"}</c> when nothing was ordered (and that request can no longer order anything),
    /// otherwise the order's first outcome (201 or its refusal).
    /// </summary>
    internal static async Task<IResult> AbortAsync(HttpRequest http, IConfiguration configuration, OrderPlacement placement, CancellationToken cancellationToken)
    {
        if (Caller(http, configuration) is { } refused)
        {
            return refused;
        }

        var key = http.Headers[KeyHeader].ToString();
        var requestId = http.Headers[RequestIdHeader].ToString();
        if (!KeyFormat().IsMatch(key) || requestId.Length is 0 or > 128)
        {
            return TypedResults.Problem("Giving up a placement needs its Idempotency-Key and X-Request-Id.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid abort");
        }

        var outcome = await placement.AbortAsync(Client(http), key, requestId, cancellationToken);
        return outcome.RolledBack ? TypedResults.Ok(new AbortResult("aborted", outcome.Detail ?? string.Empty)) : Answer(http, outcome);
    }

    internal static async Task<Results<Ok<OrderView>, NotFound, ProblemHttpResult>> GetAsync(string orderId, HttpRequest http, IConfiguration configuration, OrderPlacement placement, CancellationToken cancellationToken)
    {
        if (Caller(http, configuration) is not null)
        {
            return Unauthorized();
        }

        return await placement.FindAsync(orderId, Client(http), cancellationToken) is { } record
            ? TypedResults.Ok(new OrderView(record.OrderId, record.CustomerId, record.Sku, record.Quantity, record.Total, record.Status, record.CreatedAt))
            : TypedResults.NotFound();
    }

    internal static async Task<Results<Ok<OrderStatus>, NotFound, ProblemHttpResult>> GetStatusAsync(string orderId, HttpRequest http, IConfiguration configuration, OrderPlacement placement, CancellationToken cancellationToken)
    {
        if (Caller(http, configuration) is not null)
        {
            return Unauthorized();
        }

        return await placement.FindAsync(orderId, Client(http), cancellationToken) is { } record
            ? TypedResults.Ok(new OrderStatus(record.OrderId, record.Status, record.Detail, record.ChangedAt, record.Shipment))
            : TypedResults.NotFound();
    }

    // Payment results (from payments only): a placed order becomes confirmed or cancelled, once; final states never change.
    internal static async Task<Ok<TopicResponse>> OnPaymentCapturedAsync(PaymentCaptured payment, CloudEventAttributes cloudEvent, OrderPlacement placement, CancellationToken cancellationToken) =>
        payment.OrderId is { Length: > 0 } && await placement.ApplyPaymentAsync(payment.OrderId, captured: true, payment.PaymentId, cloudEvent.Id, cancellationToken)
            ? TopicResults.Success()
            : TopicResults.Drop();

    internal static async Task<Ok<TopicResponse>> OnPaymentFailedAsync(PaymentFailed payment, CloudEventAttributes cloudEvent, OrderPlacement placement, CancellationToken cancellationToken) =>
        payment.OrderId is { Length: > 0 } && await placement.ApplyPaymentAsync(payment.OrderId, captured: false, payment.Reason, cloudEvent.Id, cancellationToken)
            ? TopicResults.Success()
            : TopicResults.Drop();

    // Shipments (from the shipping cell only): a confirmed order becomes shipped, once.
    internal static async Task<Ok<TopicResponse>> OnShipmentDispatchedAsync(ShipmentDispatched shipment, CloudEventAttributes cloudEvent, OrderPlacement placement, CancellationToken cancellationToken)
    {
        if (shipment is not { OrderId.Length: > 0, ShipmentId.Length: > 0, Carrier.Length: > 0 })
        {
            return TopicResults.Drop();
        }

        return await placement.ApplyShipmentAsync(shipment, cloudEvent.Id, cancellationToken) switch
        {
            ShipmentOutcome.Recorded => TopicResults.Success(),
            ShipmentOutcome.NotConfirmedYet => TopicResults.Retry(),
            _ => TopicResults.Drop(),
        };
    }

    private static IResult Answer(HttpRequest http, PlacementOutcome outcome)
    {
        if (outcome.Replayed)
        {
            http.HttpContext.Response.Headers[ReplayedHeader] = "true";
        }

        if (outcome.Accepted is { } accepted)
        {
            return TypedResults.Created($"/orders/{accepted.OrderId}", accepted);
        }

        if (outcome.Status == StatusCodes.Status503ServiceUnavailable)
        {
            http.HttpContext.Response.Headers.RetryAfter = "1";
        }

        return TypedResults.Problem(outcome.Detail, statusCode: outcome.Status, title: outcome.Title);
    }

    // Only the gateway calls orders: it sends the orders API key from the secret store (compared in constant time).
    private static ProblemHttpResult? Caller(HttpRequest http, IConfiguration configuration) =>
        IsValidKey(http.Headers["X-Api-Key"], configuration["orders-api-key"]) ? null : Unauthorized();

    private static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem("A valid X-Api-Key header is required.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");

    private static string Client(HttpRequest http) =>
        http.Headers[ClientHeader].ToString() is { Length: > 0 and <= 64 } client ? client : "direct";

    private static bool IsValidKey(string? sent, string? expected) =>
        !string.IsNullOrEmpty(expected) && sent is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));

    [GeneratedRegex("^[\\x21-\\x7E]{1,255}$")]
    private static partial Regex KeyFormat();
}

/// <summary>An order as its client sees it.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="CustomerId">Who ordered.</param>
/// <param name="Sku">What.</param>
/// <param name="Quantity">How many.</param>
/// <param name="Total">The amount.</param>
/// <param name="Status">placed, confirmed or cancelled.</param>
/// <param name="PlacedAt">When it was accepted.</param>
public sealed record OrderView(string OrderId, string CustomerId, string Sku, int Quantity, decimal Total, string Status, DateTimeOffset PlacedAt);

/// <summary>Where an order is: placed (awaiting payment), confirmed, shipped or cancelled.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Status">placed, confirmed, shipped or cancelled.</param>
/// <param name="Detail">The payment id, or why it was cancelled.</param>
/// <param name="ChangedAt">When the status last changed.</param>
/// <param name="Shipment">For a shipped order: its shipment, carrier and pickup time.</param>
public sealed record OrderStatus(string OrderId, string Status, string? Detail, DateTimeOffset? ChangedAt, OrderShipment? Shipment = null);

/// <summary>The answer to giving up a placement when nothing was ordered.</summary>
/// <param name="Status">Always <c>aborted</c>.</param>
/// <param name="Detail">For people.</param>
public sealed record AbortResult(string Status, string Detail);
