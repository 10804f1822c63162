using BioDapr.Cell.State;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Inventory.Catalogue;
using BioDapr.Inventory.Stock;
using Microsoft.Extensions.Options;

namespace BioDapr.Inventory.Extensions;

/// <summary>The inventory cell's own services.</summary>
public static class InventoryCellExtensions
{
    /// <summary>The catalogue (validated at start), the stock ledger, the catalogue's stock seeded at start, vitals and validation.</summary>
    public static WebApplicationBuilder AddInventoryCell(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CatalogueOptions>().Bind(builder.Configuration.GetSection(CatalogueOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => ProductCatalogue.Load(sp.GetRequiredService<IOptions<CatalogueOptions>>(), sp.GetRequiredService<IHostEnvironment>()));
        builder.Services.AddSingleton<StockLedger>();
        builder.Services.AddSingleton<IStockSweep>(sp => sp.GetRequiredService<StockLedger>());
        builder.Services.AddHostedService<CatalogueSeeder>();
        builder.Services.AddHostedService<LedgerSweeper>();
        builder.AddCellVitals();
        builder.AddRecycling();
        builder.Services.AddValidation();

        // Warm-up: a stock read, a reservation inventory refuses (validation), a reservation read, an event it drops.
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Get, "/stock/" + Uri.EscapeDataString(sp.GetRequiredService<ProductCatalogue>().Products.Keys.First())));
        builder.AddWarmupProbe(new WarmupProbe(HttpMethod.Post, "/reservations", """{"orderId":"","sku":"","quantity":0}"""));
        builder.AddWarmupProbe(new WarmupProbe(HttpMethod.Get, "/reservations/" + new string('0', 32)));
        builder.AddWarmupProbe(WarmupProbe.EmptyEvent("/events/order-cancelled", BioDapr.Contracts.TopicPublishers.Orders));
        return builder;
    }
}
