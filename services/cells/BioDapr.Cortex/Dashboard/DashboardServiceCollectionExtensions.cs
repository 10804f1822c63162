namespace BioDapr.Cortex.Dashboard;

/// <summary>Registers the organism page's services.</summary>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// The organism page: its view of the organism (fed by the vitals subscription, the hormone subscription and the
    /// immune ledger). Its pathogen switch is an operator action (<c>AddCortexOperators</c>).
    /// </summary>
    public static WebApplicationBuilder AddOrganismPage(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OrganismView>();
        builder.Services.AddHostedService<HormoneWatcher>();
        builder.Services.AddHostedService<QuarantineWatcher>();
        return builder;
    }
}
