using BioDapr.Cell.Hormones;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Secrets;
using BioDapr.Orders.Hormones;

namespace BioDapr.Orders.Extensions;

/// <summary>The orders cell's own services.</summary>
public static class OrdersCellExtensions
{
    /// <summary>Hormones (live limits), the API key from the secret store, validation, OpenAPI.</summary>
    public static WebApplicationBuilder AddOrdersCell(this WebApplicationBuilder builder)
    {
        builder.AddHormones<OrderLimits>("hormones", "orders.");
        builder.AddPathway("inventory");
        builder.Configuration.AddDaprSecretStore("secretstore", ["orders-api-key"]);
        builder.Services.AddValidation();
        return builder;
    }
}
