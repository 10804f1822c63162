using BioDapr.Cell.Ingress;
using System.Globalization;
using System.Net;
using BioDapr.Cell.Events;
using BioDapr.Cell.Health;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Immune;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.Telemetry;
using Dapr.Actors.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// The service defaults of every cell: <see cref="AddCellDefaults"/> (sidecar client, hormones, telemetry, health
/// checks, ports), <see cref="UseCellDefaults"/> (the middleware) and <see cref="MapCellDefaultEndpoints"/> (the
/// endpoints the sidecar calls, and health).
/// </summary>
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

        // Quiet defaults below every other source (appsettings, environment): a request log line per call costs a
        // busy cell more than the call itself.
        var quietDefaults = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            // An unhealthy report (every probe while warming up) is the health endpoint's answer, not an error to log.
            ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "Critical",
        };
        if (!RequestLogScopeIsRead(configuration))
        {
            // ASP.NET Core's hosting pushes a log scope per request (request id, path, connection id) whenever its own
            // logger is on at any level, i.e. always: two objects and two async-local changes, about 250 B and a
            // fifth of what a trivial request allocates over a bare server (issue 13, item 8). With nothing exported
            // and a console format without scopes nothing reads it. Its logger writes only "Request starting/finished"
            // (Information, below the Warning above) and a startup failure, which the host logs too ("Hosting failed to start").
            // Lowest source: any setting of this category (appsettings, environment) turns it back on.
            quietDefaults[HostingDiagnosticsLogLevelKey] = nameof(LogLevel.None);
        }

        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = quietDefaults });
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

                options.PublicPort ??= PublicPort(configuration);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        builder.Logging.AddConsoleFormatter<CellConsoleFormatter, ConsoleFormatterOptions>();
        if (configuration["Logging:Console:FormatterName"] is not { Length: > 0 })
        {
            services.Configure<ConsoleLoggerOptions>(console => console.FormatterName = CellConsoleFormatter.FormatterName);
        }

        // The official client: it reads DAPR_HTTP_ENDPOINT/DAPR_GRPC_ENDPOINT, the ports and DAPR_API_TOKEN itself.
        if (!services.Any(d => d.ServiceType == typeof(Dapr.Client.DaprClient)))
        {
            services.AddDaprClient();
        }

        services.AddSidecarInvocation();
        services.AddProblemDetails();
        services.AddExceptionHandler<CellExceptionHandler>();
        // A body that does not bind throws, so the exception handler can answer a subscriber's unreadable message
        // with DROP (and a public request with a 400 ProblemDetails) instead of a bare 400.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        // Topic declarations that the SDK's subscribe handler would merge silently stop the cell at start instead.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TopicDeclarationCheck>());
        services.AddHormoneInfrastructure();
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SidecarReadiness>());
        services.AddOptions<WarmupOptions>().Bind(configuration.GetSection(WarmupOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<CellReadiness>();
        services.TryAddSingleton<WarmupRequests>();
        services.AddHostedService<CellWarmup>();
        services.AddHealthChecks()
            .AddCheck<WarmupHealthCheck>(WarmupHealthCheck.Name, tags: [ReadyTag])
            .AddCheck<SidecarHealthCheck>(SidecarHealthCheck.Name, tags: [ReadyTag]);
        builder.AddCellTelemetry();
        ListenOnCellPorts(builder);
        return builder;
    }

    /// <summary>The tag of the health checks the health endpoint reports.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds the cell's middleware: failures become ProblemDetails (503 when the sidecar failed; the exception stays in
    /// the log), the public and app ports stay apart, sidecar callbacks need the sidecar's token, (with vitals)
    /// ingress admission and recording, and the SDK's CloudEvents middleware. Call it before
    /// <see cref="MapCellDefaultEndpoints"/> and the cell's own endpoints.
    /// </summary>
    public static WebApplication UseCellDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseMiddleware<SidecarTokenMiddleware>();
        if (app.Services.GetService<Vitals.CellVitals>() is not null)
        {
            app.UseCellIngress();
        }
        app.UseCellCloudEvents();

        return app;
    }

    /// <summary>
    /// Maps what the sidecar calls (<c>GET /dapr/subscribe</c> through the SDK's <c>MapSubscribeHandler</c>, the
    /// actor callbacks through <c>MapActorsHandlers</c> when actors are registered) and the health endpoint (503 until
    /// the cell is warmed up and its sidecar's outbound API answers). Only maps: the middleware comes from
    /// <see cref="UseCellDefaults"/>.
    /// </summary>
    public static WebApplication MapCellDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CellOptions>>().Value;
        app.MapSubscribeHandler().ExcludeFromDescription();
        // Ready only once warmed up and with a sidecar: the sidecar (app health checks), the runner and readiness probes wait for it.
        app.MapHealthChecks(options.HealthPath, new HealthCheckOptions
            {
                Predicate = check => check.Tags.Contains(ReadyTag),
                ResponseWriter = HealthResponse.WriteAsync,
            })
            .ExcludeFromDescription();
        if (app.Services.GetService<ActorRuntime>() is not null)
        {
            app.MapActorsHandlers();
        }

        return app;
    }

    // The Dapr CLI and the BioDapr runner tell the app its port in APP_PORT (the sidecar's callbacks);
    // PUBLIC_PORT (or Cell:PublicPort) is where clients reach the cell's public API.
    private static void ListenOnCellPorts(IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var appPort = Port(configuration, "APP_PORT");
        var publicPort = PublicPort(configuration);
        if (appPort is not null && appPort == publicPort)
        {
            throw new InvalidOperationException($"PUBLIC_PORT and APP_PORT are both {appPort}: the public API and the sidecar's callbacks need two different ports");
        }

        // Explicit URLs (ASPNETCORE_URLS, as Tye sets them) win; the container images' default ASPNETCORE_HTTP_PORTS does not.
        if ((appPort is null && publicPort is null) || configuration["ASPNETCORE_URLS"] is { Length: > 0 } || configuration["urls"] is { Length: > 0 })
        {
            return;
        }

        var anyAddress = string.Equals(configuration["DOTNET_RUNNING_IN_CONTAINER"], "true", StringComparison.OrdinalIgnoreCase);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            foreach (var port in new[] { appPort, publicPort })
            {
                if (port is { } value)
                {
                    kestrel.Listen(anyAddress ? IPAddress.Any : IPAddress.Loopback, value);
                }
            }
        });
    }

    /// <summary>The log level of ASP.NET Core hosting's request logger, whose being on makes the per-request log scope.</summary>
    internal const string HostingDiagnosticsLogLevelKey = "Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics";

    // Who reads the request scope: exported logs (OpenTelemetry's logger includes scopes; an exporter is configured, or
    // added in code beside Cell:RecordSpans) and a console format that writes scopes (the cell's own format never does).
    private static bool RequestLogScopeIsRead(IConfiguration configuration) =>
        configuration[Telemetry.CellTelemetryExtensions.OtlpEndpointKey] is { Length: > 0 }
        || IsTrue(configuration[Telemetry.CellTelemetryExtensions.RecordSpansKey])
        || IsTrue(configuration["Logging:Console:FormatterOptions:IncludeScopes"])
        || IsTrue(configuration["Logging:Console:IncludeScopes"]);

    private static bool IsTrue(string? value) => bool.TryParse(value, out var flag) && flag;

    private static int? PublicPort(IConfiguration configuration) =>
        Port(configuration, CellOptions.SectionName + ":" + nameof(CellOptions.PublicPort)) ?? Port(configuration, "PUBLIC_PORT");

    private static int? Port(IConfiguration configuration, string key)
    {
        if (configuration[key] is not { Length: > 0 } text)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new InvalidOperationException($"{key} has the invalid value '{text}': expected a port number");
    }

    private sealed class CellDefaultsMarker;
}
