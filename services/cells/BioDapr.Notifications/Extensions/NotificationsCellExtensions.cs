using BioDapr.Cell.Hosting;
using BioDapr.Notifications.Apis;

namespace BioDapr.Notifications.Extensions;

/// <summary>The notifications cell's own services.</summary>
public static class NotificationsCellExtensions
{
    /// <summary>The notification log.</summary>
    public static WebApplicationBuilder AddNotificationsCell(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NotificationLog>();

        // Warm-up: the public list, an event it drops.
        builder.AddWarmupProbe(new WarmupProbe(HttpMethod.Get, "/notifications", Public: true));
        builder.AddWarmupProbe(WarmupProbe.EmptyEvent("/events/order-placed", BioDapr.Contracts.TopicPublishers.Orders));
        return builder;
    }
}
