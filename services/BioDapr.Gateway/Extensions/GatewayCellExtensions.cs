using BioDapr.Cell.Hormones;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Secrets;
using BioDapr.Gateway.Apis;
using BioDapr.Gateway.Hormones;

namespace BioDapr.Gateway.Extensions;

/// <summary>The gateway cell's own services.</summary>
public static class GatewayCellExtensions
{
    /// <summary>Client keys and the orders key from the secret store, rate limits (hormones), the pathway to orders, OpenAPI.</summary>
    public static WebApplicationBuilder AddGatewayCell(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddDaprSecretStore("secretstore", [ClientKeys.SecretName, "orders-api-key"]);
        builder.AddHormones<ClientLimits>("hormones", "gateway.");
        builder.AddPathway("orders");
        builder.Services.AddSingleton<ClientKeys>();
        builder.Services.AddSingleton<ClientRateLimiter>();
        builder.Services.AddOpenApi();
        return builder;
    }
}
