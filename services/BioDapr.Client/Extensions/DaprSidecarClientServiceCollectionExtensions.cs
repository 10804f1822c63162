using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BioDapr.Client;

/// <summary>Registers the sidecar client.</summary>
public static class DaprSidecarClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDaprSidecarClient"/> as a typed client of <see cref="IHttpClientFactory"/>
    /// (client name <see cref="DaprSidecarClient.HttpClientName"/>) with <see cref="DaprApiTokenHandler"/>,
    /// binds <see cref="DaprSidecarOptions"/> from the <c>Dapr</c> configuration section when an
    /// <see cref="IConfiguration"/> is registered, resolves <see cref="DaprSidecarConnection"/> once, and
    /// validates the settings at start. Calling it again only applies <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional changes applied after configuration binding.</param>
    public static IServiceCollection AddDaprSidecarClient(this IServiceCollection services, Action<DaprSidecarOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (!services.Any(d => d.ServiceType == typeof(DaprSidecarClientRegistration)))
        {
            services.AddSingleton<DaprSidecarClientRegistration>();
            services.AddOptions<DaprSidecarOptions>()
                .Configure<IServiceProvider>(static (options, provider) => BindConfiguration(options, provider))
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DaprSidecarOptions>, DaprSidecarOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton(static provider =>
                DaprSidecarConnectionResolver.Resolve(provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value));
            services.TryAddTransient<DaprApiTokenHandler>();
            services.AddHttpClient<IDaprSidecarClient, DaprSidecarClient>(DaprSidecarClient.HttpClientName)
                .AddHttpMessageHandler<DaprApiTokenHandler>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    private static void BindConfiguration(DaprSidecarOptions options, IServiceProvider provider)
    {
        if (provider.GetService<IConfiguration>() is not { } configuration)
        {
            return;
        }

        var section = configuration.GetSection(DaprSidecarOptions.SectionName);
        if (section[nameof(DaprSidecarOptions.HttpEndpoint)] is { Length: > 0 } endpoint)
        {
            options.HttpEndpoint = endpoint;
        }

        if (section[nameof(DaprSidecarOptions.ApiToken)] is { Length: > 0 } token)
        {
            options.ApiToken = token;
        }

        // GetValue throws with the full key path ("Dapr:StartupTimeout") when the value is not a TimeSpan.
        if (section.GetValue<TimeSpan?>(nameof(DaprSidecarOptions.StartupTimeout)) is { } startupTimeout)
        {
            options.StartupTimeout = startupTimeout;
        }
    }

    /// <summary>Marks the collection as already holding the client, so a second call adds nothing twice.</summary>
    private sealed class DaprSidecarClientRegistration;
}
