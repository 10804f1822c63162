using BioDapr.Cell.Hormones;
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
        return builder;
    }
}
