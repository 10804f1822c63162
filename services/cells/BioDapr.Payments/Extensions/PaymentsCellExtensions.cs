using BioDapr.Cell.Hormones;
using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.State;
using BioDapr.Payments.Hormones;

namespace BioDapr.Payments.Extensions;

/// <summary>The payments cell's own services.</summary>
public static class PaymentsCellExtensions
{
    /// <summary>Payment rules (hormones), vital signs, recycling of payment decisions, admission and pathogens.</summary>
    public static WebApplicationBuilder AddPaymentsCell(this WebApplicationBuilder builder)
    {
        builder.AddHormones<PaymentRules>("hormones", "payments.");
        builder.AddCellVitals();
        builder.AddRecycling();

        // Warm-up: a payment read, an event it drops.
        builder.AddWarmupProbe(new WarmupProbe(HttpMethod.Get, "/payments/" + new string('0', 32)));
        builder.AddWarmupProbe(WarmupProbe.EmptyEvent("/events/order-placed", BioDapr.Contracts.TopicPublishers.Orders));
        return builder;
    }
}
