using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Hormones;

/// <summary>Binds options types to configuration-store keys (hormones).</summary>
public static class HormoneServiceCollectionExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to the keys <c>&lt;keyPrefix&gt;&lt;property&gt;</c> of configuration store
    /// <paramref name="storeName"/>, registered as <see cref="IHormones{T}"/> and <see cref="IOptionsMonitor{T}"/>.
    /// With <paramref name="name"/>, the set is a keyed service (several sets of one type, e.g. one per pathway).
    /// </summary>
    public static IHostApplicationBuilder AddHormones<T>(this IHostApplicationBuilder builder, string storeName, string keyPrefix, string? name = null)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        builder.Services.AddHormoneInfrastructure();
        Func<IServiceProvider, HormoneSet<T>> create = provider =>
        {
            var set = new HormoneSet<T>(
                storeName,
                keyPrefix,
                name,
                provider.GetServices<IValidateOptions<T>>(),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("BioDapr.Cell.Hormones"),
                provider.GetRequiredService<TimeProvider>());
            provider.GetRequiredService<HormoneRegistry>().Add(set);
            return set;
        };

        if (name is null)
        {
            builder.Services.AddSingleton(create);
            builder.Services.AddSingleton<IHormones<T>>(p => p.GetRequiredService<HormoneSet<T>>());
            builder.Services.AddSingleton<IOptionsMonitor<T>>(p => p.GetRequiredService<HormoneSet<T>>());
            builder.Services.AddSingleton<HormoneActivation>(p => new HormoneActivation(() => p.GetRequiredService<HormoneSet<T>>()));
        }
        else
        {
            builder.Services.AddKeyedSingleton(name, (p, _) => create(p));
            builder.Services.AddKeyedSingleton<IHormones<T>>(name, (p, key) => p.GetRequiredKeyedService<HormoneSet<T>>(key));
            builder.Services.AddSingleton<HormoneActivation>(p => new HormoneActivation(() => p.GetRequiredKeyedService<HormoneSet<T>>(name)));
        }

        return builder;
    }

    internal static IServiceCollection AddHormoneInfrastructure(this IServiceCollection services)
    {
        services.TryAddSingleton<HormoneRegistry>();
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ImplementationType == typeof(HormoneCoordinator)))
        {
            services.AddHostedService<HormoneCoordinator>();
        }

        return services;
    }
}

/// <summary>Creates a hormone set eagerly at start so its keys are loaded with the others.</summary>
internal sealed class HormoneActivation(Func<object> activate)
{
    public object Activate() => activate();
}
