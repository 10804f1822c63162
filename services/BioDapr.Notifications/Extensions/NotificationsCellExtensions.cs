using BioDapr.Notifications.Apis;

namespace BioDapr.Notifications.Extensions;

/// <summary>The notifications cell's own services.</summary>
public static class NotificationsCellExtensions
{
    /// <summary>The notification log.</summary>
    public static WebApplicationBuilder AddNotificationsCell(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NotificationLog>();
        return builder;
    }
}
