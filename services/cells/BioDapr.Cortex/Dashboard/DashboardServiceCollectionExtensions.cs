using BioDapr.Cell.Secrets;

namespace BioDapr.Cortex.Dashboard;

/// <summary>Registers the organism page's services.</summary>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// The organism page: its view of the organism (fed by the vitals subscription, the hormone subscription and the
    /// immune ledger), and the operator keys (secret <c>cortex-operator-keys</c>, optional: without it no one may
    /// switch pathogens from the page).
    /// </summary>
    public static WebApplicationBuilder AddOrganismPage(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The literal secret name: the deployment tests read it from here to check the cortex may read exactly it.
        builder.Configuration.AddDaprSecretStore("secretstore", ["cortex-operator-keys"], optional: true);
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OrganismView>();
        builder.Services.AddSingleton<OperatorKeys>();
        builder.Services.AddHostedService<HormoneWatcher>();
        builder.Services.AddHostedService<QuarantineWatcher>();
        return builder;
    }
}
