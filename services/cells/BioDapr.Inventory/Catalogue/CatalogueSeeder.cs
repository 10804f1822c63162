using BioDapr.Inventory.Stock;

namespace BioDapr.Inventory.Catalogue;

/// <summary>
/// At start, before the cell serves: loads the catalogue (a bad file stops the cell) and stores the initial stock
/// of every SKU not stored yet, so the stored stock is complete from the first request (and an audit sees every
/// SKU). The sidecar being unreachable or too slow to answer does not stop the cell: reservations then create a SKU's stock on first use.
/// </summary>
internal sealed partial class CatalogueSeeder(ProductCatalogue catalogue, StockLedger ledger, ILogger<CatalogueSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var seeded = await ledger.SeedAsync(cancellationToken);
            Log.Seeded(logger, catalogue.Products.Count, seeded);
        }
        catch (Exception ex) when (ex is Dapr.DaprException or HttpRequestException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.SeedFailed(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Catalogue of {Count} SKUs; stored the initial stock of {Seeded}")]
        public static partial void Seeded(ILogger logger, int count, int seeded);

        [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Could not store the catalogue's stock at start ({Reason}); reservations create it on first use")]
        public static partial void SeedFailed(ILogger logger, string reason);
    }
}
