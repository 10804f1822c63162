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
        return routes;
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
