using BioDapr.Cell.Hormones;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Ingress;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Secrets;
using BioDapr.Gateway.Admission;
using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using BioDapr.Gateway.OpenApi;

namespace BioDapr.Gateway.Extensions;

/// <summary>The gateway cell's own services.</summary>
public static class GatewayCellExtensions
{
    /// <summary>
    /// Client keys and the orders key from the secret store, access tokens from the OpenID Connect provider (as
    /// <c>Gateway:Authentication</c> chooses), the client admission (rates, scopes, body limit, fair shares), the immune
    /// response (anomaly detection, quarantine, memory), the pathway to orders, validation, OpenAPI.
    /// </summary>
    public static WebApplicationBuilder AddGatewayCell(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddDaprSecretStore("secretstore", [ClientKeys.SecretName, "orders-api-key"]);
        builder.AddHormones<ClientLimits>("hormones", "gateway.");
        builder.AddPathway("orders");
        builder.Services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ClientKeys>();
        builder.Services.AddClientAuthentication(builder.Configuration);
        builder.Services.AddSingleton<ClientRateLimiter>();
        builder.AddHormones<FairShareHormones>("hormones", "gateway.fairShare.");
        builder.Services.AddSingleton(sp =>
        {
            var fairShare = sp.GetRequiredService<IHormones<FairShareHormones>>();
            var admission = sp.GetRequiredService<IHormones<AdmissionHormones>>();
            var pathogens = sp.GetRequiredService<IHormones<PathogenHormones>>();
            var orders = sp.GetRequiredService<CellPathways>()["orders"];
            return new FairShareScheduler(sp.GetRequiredService<TimeProvider>(), () => FairShareLimits.From(fairShare.Current, admission.Current, pathogens.Current, orders.State.Hormones()), sp.GetRequiredService<ILogger<FairShareScheduler>>());
        });
        builder.AddHormones<ImmuneHormones>("hormones", "gateway.immune.");
        builder.Services.AddSingleton(sp => new AnomalyDetector(sp.GetRequiredService<TimeProvider>(), () => sp.GetRequiredService<IHormones<ImmuneHormones>>().Current));
        builder.Services.AddSingleton(sp => new ImmuneSystem(sp.GetRequiredService<AnomalyDetector>(), sp.GetRequiredService<TimeProvider>(), () => sp.GetRequiredService<IHormones<ImmuneHormones>>().Current, sp.GetRequiredService<ILogger<ImmuneSystem>>()));
        builder.Services.AddSingleton(sp => new WarmupImmune(sp.GetRequiredService<TimeProvider>(), () => sp.GetRequiredService<IHormones<ImmuneHormones>>().Current));
        builder.Services.AddSingleton<IImmuneStore, DaprImmuneStore>();
        builder.Services.AddHostedService<ImmuneSync>();
        builder.Services.AddValidation();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer<ClientSecurityDocumentTransformer>());

        // Warm-up (before the cell says it is ready): the whole gateway → orders chain with a read, an order the
        // gateway refuses, an order orders refuses, and the OpenAPI document.
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Get, "/api/orders/" + new string('0', 32), Public: true, Headers: [new("X-Api-Key", sp.GetRequiredService<ClientKeys>().AnyKey() ?? string.Empty)]));
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Post, "/api/orders", """{"customerId":"","sku":"","quantity":0}""", Public: true, Headers: [new("X-Api-Key", sp.GetRequiredService<ClientKeys>().AnyKey() ?? string.Empty)]));
        // An order of the warm-up SKU: through admission, the pathway's POST and orders' placement handler, which refuses it
        // (404, nothing stored: only orders' own warm-up may place that SKU, and the gateway forwards no warm-up token).
        builder.AddWarmupProbe(sp => new WarmupProbe(HttpMethod.Post, "/api/orders", $$"""{"customerId":"warm-up","sku":"{{BioDapr.Contracts.Products.WarmupSku}}","quantity":1}""", Public: true, Headers: [new("X-Api-Key", sp.GetRequiredService<ClientKeys>().AnyKey() ?? string.Empty)]));
        builder.AddWarmupProbe(new WarmupProbe(HttpMethod.Get, "/openapi/v1.json", Public: true));
        return builder;
    }
}
