using BioDapr.Cell.Ingress;
using BioDapr.Cell.Actors;
using System.Globalization;
using System.Net;
using BioDapr.Cell.Events;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Immune;
using BioDapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BioDapr.Cell.Hosting;

/// <summary>The one call that makes an ASP.NET Core app a cell, and the endpoints the sidecar calls.</summary>
public static class CellHostingExtensions
{
    /// <summary>
    /// Adds everything a cell needs from its Dapr sidecar (registered with TryAdd: calling it twice is
    /// harmless). Options are validated at start: a bad value stops the cell with the key in the message.
    /// </summary>
    public static IHostApplicationBuilder AddCellDefaults(this IHostApplicationBuilder builder, Action<CellOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(CellDefaultsMarker)))
        {
            if (configure is not null)
            {
                services.Configure(configure);
            }

            return builder;
        }

        services.AddSingleton<CellDefaultsMarker>();
        var configuration = builder.Configuration;
        services.AddOptions<CellOptions>()
            .Bind(configuration.GetSection(CellOptions.SectionName))
            .PostConfigure(options =>
            {
                if (string.IsNullOrEmpty(options.Name))
                {
                    options.Name = configuration["APP_ID"] is { Length: > 0 } appId ? appId : builder.Environment.ApplicationName;
                }

                if (string.IsNullOrEmpty(options.AppApiToken))
                {
                    options.AppApiToken = configuration["APP_API_TOKEN"];
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddDaprSidecarClient();
        services.AddProblemDetails();
        services.TryAddSingleton<SubscriptionCatalog>();
        services.AddHormoneInfrastructure();
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SidecarReadiness>());
        ListenOnAppPort(builder);
        return builder;
    }

    /// <summary>
    /// Maps what the sidecar calls (<c>GET /dapr/subscribe</c>, <c>POST /configuration/{store}/{key}</c>,
    /// the health endpoint) and turns on the sidecar-token check for every endpoint.
    /// </summary>
    public static WebApplication MapCellDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<SidecarTokenMiddleware>();
        if (app.Services.GetService<Vitals.CellVitals>() is not null)
        {
            app.UseCellIngress();
        }
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CellOptions>>().Value;

        // Fail at startup, not at the sidecar's first GET /dapr/subscribe, when declarations conflict.
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<SubscriptionCatalog>().ToJson());

        app.MapGet("/dapr/subscribe", (SubscriptionCatalog catalog, HormoneRegistry hormones) =>
            {
                // daprd calls this whenever it (re)starts: the moment to re-read and re-subscribe hormones.
                hormones.RequestResync();
                return Results.Bytes(catalog.ToJson(), "application/json");
            })
            .ExcludeFromDescription();
        app.MapPost("/configuration/{store}/{key}", HormoneUpdateEndpoint.HandleAsync).ExcludeFromDescription();
        app.MapGet(options.HealthPath, () => TypedResults.Ok()).ExcludeFromDescription();
        if (app.Services.GetService<Actors.ActorActivations>() is not null)
        {
            app.MapActorEndpoints();
        }

        return app;
    }

    // The Dapr CLI and the BioDapr runner tell the app its port in APP_PORT.
    private static void ListenOnAppPort(IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (configuration["APP_PORT"] is not { Length: > 0 } text
            || configuration["ASPNETCORE_URLS"] is { Length: > 0 } || configuration["urls"] is { Length: > 0 } || configuration["ASPNETCORE_HTTP_PORTS"] is { Length: > 0 })
        {
            return;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"APP_PORT has the invalid value '{text}': expected a port number");
        }

        var anyAddress = string.Equals(configuration["DOTNET_RUNNING_IN_CONTAINER"], "true", StringComparison.OrdinalIgnoreCase);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Listen(anyAddress ? IPAddress.Any : IPAddress.Loopback, port));
    }

    private sealed class CellDefaultsMarker;
}
