using BioDapr.Cell.Hormones;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Secrets;
using BioDapr.Orders.Hormones;
using BioDapr.Orders.Placing;

namespace BioDapr.Orders.Extensions;

/// <summary>The orders cell's own services.</summary>
public static class OrdersCellExtensions
{
    /// <summary>Hormones (live limits), the pathway to inventory, the API key from the secret store, exactly-once placement and its journal sweeper, validation.</summary>
    public static WebApplicationBuilder AddOrdersCell(this WebApplicationBuilder builder)
    {
        builder.AddHormones<OrderLimits>("hormones", "orders.");
        builder.AddPathway("inventory");
        builder.Configuration.AddDaprSecretStore("secretstore", ["orders-api-key"]);
        builder.Services.AddOptions<OrdersOptions>().Bind(builder.Configuration.GetSection(OrdersOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OrderPlacement>();
        builder.Services.AddHostedService<JournalSweeper>();
        builder.Services.AddValidation();

        // Warm-up: an order orders refuses (validation, past the API key check: without the key it stopped at 401), a read
        // of an order, a payment event it drops.
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Post, "/orders", """{"customerId":"","sku":"","quantity":0}""", Headers: [new("X-Api-Key", sp.GetRequiredService<IConfiguration>()["orders-api-key"] ?? string.Empty)]));
        // The placement's own code (claim, stock, reservation, rollback) with no effect: the warm-up SKU reserved and
        // released, the order record deleted; only this process's warm-up token may place it (OrderPlacement.WarmUpAsync).
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Post, "/orders", $$"""{"customerId":"warm-up","sku":"{{BioDapr.Contracts.Products.WarmupSku}}","quantity":1}""", Headers: [new("X-Api-Key", sp.GetRequiredService<IConfiguration>()["orders-api-key"] ?? string.Empty)]));
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Get, $"/orders/{new string('0', 32)}/status", Headers: [new("X-Api-Key", sp.GetRequiredService<IConfiguration>()["orders-api-key"] ?? string.Empty)]));
        builder.AddWarmupProbe(WarmupProbe.EmptyEvent("/events/payment-captured", BioDapr.Contracts.TopicPublishers.Payments));
        return builder;
    }
}
