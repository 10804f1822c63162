using System.Text.RegularExpressions;
using BioDapr.Cell.Events;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using BioDapr.Inventory.Stock;
using Dapr;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Inventory.Apis;

/// <summary>
/// Inventory's endpoints, called by other cells through their sidecars: stock of a catalogue SKU, reservations
/// (idempotent per order and attempt) and their release; and the OrderCancelled subscriber that gives a
/// cancelled order's stock back. Unknown SKUs are 404: stock is never invented.
/// </summary>
public static partial class InventoryApi
{
    /// <summary>Maps the inventory routes.</summary>
    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder routes)
    {
        var inventory = routes.MapGroup("/").WithTags("Inventory");
        inventory.MapGet("/stock/{sku}", GetStockAsync).WithName("GetStock");
        inventory.MapPost("/reservations", ReserveAsync).WithName("Reserve");
        inventory.MapGet("/reservations/{orderId}", GetReservationAsync).WithName("GetReservation");
        inventory.MapDelete("/reservations/{orderId}", ReleaseAsync).WithName("Release");
        routes.MapPost("/events/order-cancelled", OnOrderCancelledAsync)
            .WithTopic(new TopicOptions { PubsubName = Topics.PubSub, Name = Topics.Orders, Match = $"event.type == \"{OrderCancelled.Type}\"" })
            .AcceptFrom(TopicPublishers.Orders)
            .ExcludeFromDescription();
        return routes;
    }

    internal static async Task<Results<Ok<StockLevel>, ProblemHttpResult>> GetStockAsync(string sku, StockLedger ledger, CancellationToken cancellationToken) =>
        await ledger.GetStockAsync(sku, cancellationToken) is { } stock
            ? TypedResults.Ok(stock)
            : UnknownSku(sku);

    internal static async Task<Results<Created<ReservationRecord>, ProblemHttpResult>> ReserveAsync(Reservation reservation, StockLedger ledger, CancellationToken cancellationToken)
    {
        var (outcome, record, stock) = await ledger.ReserveAsync(reservation.OrderId, reservation.Attempt, reservation.Sku, reservation.Quantity, cancellationToken);
        return outcome switch
        {
            ReservationOutcome.Done or ReservationOutcome.Replayed => TypedResults.Created(ReservationLocation(reservation.OrderId), record),
            ReservationOutcome.UnknownSku => UnknownSku(reservation.Sku),
            ReservationOutcome.OutOfStock => TypedResults.Problem(
                stock is null
                    ? $"Attempt {reservation.Attempt} of order {reservation.OrderId} was refused: too few {reservation.Sku} were available when it was decided. A retry of the attempt gets the same answer."
                    : $"Only {stock.Available} of {reservation.Sku} available.",
                statusCode: StatusCodes.Status409Conflict,
                title: "Out of stock"),
            ReservationOutcome.Released => TypedResults.Problem($"The reservation of order {reservation.OrderId} was released; attempt {reservation.Attempt} may not reserve.", statusCode: StatusCodes.Status410Gone, title: "Reservation released"),
            ReservationOutcome.Mismatch => TypedResults.Problem($"Order {reservation.OrderId} already reserved {record!.Quantity} x {record.Sku}.", statusCode: StatusCodes.Status422UnprocessableEntity, title: "Order id reused"),
            _ => Contended(reservation.Sku),
        };
    }

    internal static async Task<Results<Ok<ReservationRecord>, NotFound>> GetReservationAsync(string orderId, StockLedger ledger, CancellationToken cancellationToken) =>
        await ledger.GetReservationAsync(orderId, cancellationToken) is { } record ? TypedResults.Ok(record) : TypedResults.NotFound();

    /// <summary><c>DELETE /reservations/{orderId}?attempt=n</c>: gives back what attempt n holds (no attempt: whatever the order holds).</summary>
    internal static async Task<Results<Ok<ReservationRecord>, ProblemHttpResult>> ReleaseAsync(string orderId, int? attempt, StockLedger ledger, CancellationToken cancellationToken)
    {
        if (!IdFormat().IsMatch(orderId) || attempt is < 1)
        {
            return TypedResults.Problem("The order id must be printable ASCII without spaces and the attempt at least 1.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid release");
        }

        var (outcome, record) = await ledger.ReleaseAsync(orderId, attempt ?? StockLedger.EveryAttempt, cancellationToken);
        return outcome == ReservationOutcome.Contended ? Contended("the order's product") : TypedResults.Ok(record!);
    }

    // A cancelled order's stock goes back, once (the reservation record says whether it already went back).
    internal static async Task<Ok<TopicResponse>> OnOrderCancelledAsync(OrderCancelled order, StockLedger ledger, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(order.OrderId))
        {
            return TopicResults.Drop();
        }

        var (outcome, _) = await ledger.ReleaseAsync(order.OrderId, StockLedger.EveryAttempt, cancellationToken);
        return outcome == ReservationOutcome.Contended ? TopicResults.Retry() : TopicResults.Success();
    }

    private static ProblemHttpResult UnknownSku(string sku) =>
        TypedResults.Problem($"The SKU '{sku}' is not in the catalogue.", statusCode: StatusCodes.Status404NotFound, title: "Unknown SKU");

    private static ProblemHttpResult Contended(string what) =>
        TypedResults.Problem($"The stock of {what} is too contended; try again.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Contended");

    // Location headers are ASCII: the id is escaped like any path segment.
    private static string ReservationLocation(string orderId) => "/reservations/" + Uri.EscapeDataString(orderId);

    [GeneratedRegex(Reservation.IdPattern)]
    private static partial Regex IdFormat();
}
