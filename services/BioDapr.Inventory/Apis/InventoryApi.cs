using BioDapr.Contracts.Events;
using BioDapr.Contracts;
using BioDapr.Cell.Events;
using BioDapr.Cell.Hormones;
using BioDapr.Client;
using BioDapr.Inventory.Hormones;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Inventory.Apis;

/// <summary>
/// Stock reservations in the state store with optimistic concurrency: read the stock with its ETag,
/// write it back only if nobody changed it meanwhile, retry on a conflict.
/// </summary>
public static partial class InventoryApi
{
    /// <summary>The state store.</summary>
    public const string StateStore = "statestore";

    private const int MaxConflictRetries = 20;

    /// <summary>Maps the inventory routes (called by other cells through their sidecars).</summary>
    public static IEndpointRouteBuilder MapInventoryApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/reservations", ReserveAsync).WithName("Reserve").WithTags("Inventory");
        routes.MapGet("/stock/{sku}", GetStockAsync).WithName("GetStock").WithTags("Inventory");
        routes.MapPost("/events/order-cancelled", OnOrderCancelledAsync)
            .WithTopic(Topics.PubSub, Topics.Orders, topic => topic.Match = $"event.type == \"{OrderCancelled.Type}\"")
            .ExcludeFromDescription();
        return routes;
    }

    // A cancelled order's stock goes back, once: the release and a per-order marker are written in one
    // transaction guarded by the stock's ETag, and a redelivered event finds the marker.
    internal static async Task<Ok<TopicResponse>> OnOrderCancelledAsync(
        CloudEvent<OrderCancelled> cancelled, IDaprSidecarClient sidecar, IHormones<StockSettings> settings, ILogger<Reservation> logger, CancellationToken cancellationToken)
    {
        if (cancelled.Data is not { } order || order.Quantity <= 0)
        {
            return TopicResults.Drop();
        }

        var marker = "released-" + order.OrderId;
        if (await sidecar.GetStateAsync<string>(StateStore, marker, cancellationToken: cancellationToken) is not null)
        {
            return TopicResults.Success();
        }

        var key = "stock-" + order.Sku;
        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var entry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, key, cancellationToken: cancellationToken);
            var stock = entry?.Value ?? new StockLevel(order.Sku, settings.Current.InitialStock, order.Quantity);
            var released = stock with { Available = stock.Available + order.Quantity, Reserved = Math.Max(0, stock.Reserved - order.Quantity) };
            try
            {
                await sidecar.ExecuteStateTransactionAsync(StateStore,
                [
                    StateTransactionOperation.Upsert(key, released, entry?.ETag, entry?.ETag is null ? StateWriteOptions.FirstWrite : null),
                    StateTransactionOperation.Upsert(marker, order.OrderId),
                ], cancellationToken: cancellationToken);
                return TopicResults.Success();
            }
            catch (DaprApiException)
            {
                Log.Conflict(logger, order.Sku, attempt + 1);
            }
        }

        // Leave the event for redelivery (RETRY) rather than losing the release.
        return TopicResults.Retry();
    }

    internal static async Task<Results<Created<StockLevel>, Conflict<string>, ProblemHttpResult>> ReserveAsync(
        Reservation reservation, IDaprSidecarClient sidecar, IHormones<StockSettings> settings, ILogger<Reservation> logger, CancellationToken cancellationToken)
    {
        var key = "stock-" + reservation.Sku;
        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var entry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, key, cancellationToken: cancellationToken);
            var stock = entry?.Value ?? new StockLevel(reservation.Sku, settings.Current.InitialStock, 0);
            if (stock.Available < reservation.Quantity)
            {
                return TypedResults.Conflict($"only {stock.Available} of {reservation.Sku} available");
            }

            var updated = stock with { Available = stock.Available - reservation.Quantity, Reserved = stock.Reserved + reservation.Quantity };
            var saved = entry?.ETag is { } etag
                ? await sidecar.TrySaveStateAsync(StateStore, key, updated, etag, cancellationToken: cancellationToken)
                : await TryFirstWriteAsync(sidecar, key, updated, cancellationToken);
            if (saved)
            {
                return TypedResults.Created($"/stock/{reservation.Sku}", updated);
            }

            Log.Conflict(logger, reservation.Sku, attempt + 1);
        }

        return TypedResults.Problem($"stock of {reservation.Sku} is too contended; try again", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    // A SKU nobody reserved yet has the initial stock (hormone inventory.initialStock), as reservations assume.
    internal static async Task<Ok<StockLevel>> GetStockAsync(string sku, IDaprSidecarClient sidecar, IHormones<StockSettings> settings, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sidecar.GetStateAsync<StockLevel>(StateStore, "stock-" + sku, cancellationToken: cancellationToken)
            ?? new StockLevel(sku, settings.Current.InitialStock, 0));

    // First reservation of a SKU: first-write concurrency so two first reservations cannot both win.
    private static async Task<bool> TryFirstWriteAsync(IDaprSidecarClient sidecar, string key, StockLevel stock, CancellationToken cancellationToken)
    {
        try
        {
            await sidecar.SaveStateAsync(
                StateStore, key, stock, options: StateWriteOptions.FirstWrite, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.InternalServerError)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Stock of {Sku} changed meanwhile (attempt {Attempt}); retrying")]
        public static partial void Conflict(ILogger logger, string sku, int attempt);
    }
}
