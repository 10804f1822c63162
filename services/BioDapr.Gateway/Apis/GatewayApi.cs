using System.Globalization;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Immune;
using BioDapr.Cell.Pathways;
using BioDapr.Gateway.Hormones;

namespace BioDapr.Gateway.Apis;

/// <summary>
/// The organism's public API. The immune layer's first line: every request needs an <c>X-Api-Key</c> of
/// a known client (401) and stays within that client's rate (429 with <c>Retry-After</c>); then it goes
/// to the orders cell over the gateway → orders pathway.
/// </summary>
public static class GatewayApi
{
    /// <summary>Maps <c>/api/orders</c>.</summary>
    public static IEndpointRouteBuilder MapGatewayApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Orders").PublicApi();
        api.MapPost("/orders", (HttpContext context, PlaceOrderRequest order, CancellationToken ct) => ForwardAsync(context, HttpMethod.Post, "orders", order, ct))
            .WithName("PlaceOrder").WithSummary("Places an order: reserves stock, then payment confirms or cancels it.")
            .Produces(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/orders/{orderId}", (HttpContext context, string orderId, CancellationToken ct) => ForwardAsync(context, HttpMethod.Get, $"orders/{Uri.EscapeDataString(orderId)}/status", null, ct))
            .WithName("GetOrderStatus").WithSummary("Where an order is: placed, confirmed or cancelled.");
        return routes;
    }

    private static async Task<IResult> ForwardAsync(HttpContext context, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var client = services.GetRequiredService<ClientKeys>().Identify(context.Request.Headers["X-Api-Key"]);
        if (client is null)
        {
            return TypedResults.Problem("A valid X-Api-Key header is required.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        var limits = services.GetRequiredService<IHormones<ClientLimits>>().Current;
        if (!services.GetRequiredService<ClientRateLimiter>().TryTake(client, limits.RatePerSecond, limits.Burst, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem($"Client {client} is over its rate of {limits.RatePerSecond}/s.", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests");
        }

        var ordersKey = services.GetRequiredService<IConfiguration>()["orders-api-key"] ?? string.Empty;
        var result = await services.GetRequiredService<CellPathways>()["orders"].InvokeAsync(method, path, body, new Dictionary<string, string> { ["X-Api-Key"] = ordersKey }, cancellationToken);
        using var response = result.Value;
        if (response is null)
        {
            return TypedResults.Problem($"The orders cell did not answer ({result.Outcome}).", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Orders unavailable");
        }

        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        await context.Response.Body.WriteAsync(content, cancellationToken);
        return Results.Empty;
    }
}

/// <summary>An order as the public API takes it.</summary>
/// <param name="CustomerId">Who orders.</param>
/// <param name="Sku">What.</param>
/// <param name="Quantity">How many.</param>
public sealed record PlaceOrderRequest(string CustomerId, string Sku, int Quantity);
