using BioDapr.Cell.Hormones;
using BioDapr.Cell.Pathways;
using BioDapr.Payments.Hormones;

namespace BioDapr.Payments.Extensions;

/// <summary>The payments cell's own services.</summary>
public static class PaymentsCellExtensions
{
    /// <summary>Payment rules (hormones), vital signs, admission and pathogens.</summary>
    public static WebApplicationBuilder AddPaymentsCell(this WebApplicationBuilder builder)
    {
        builder.AddHormones<PaymentRules>("hormones", "payments.");
        builder.AddCellVitals();
        return builder;
    }
}
