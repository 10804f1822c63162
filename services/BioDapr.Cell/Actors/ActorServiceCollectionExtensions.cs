using BioDapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BioDapr.Cell.Actors;

/// <summary>Registers hosted actor types and the actor proxy factory.</summary>
public static class ActorServiceCollectionExtensions
{
    /// <summary>
    /// Hosts the actor types registered in <paramref name="configure"/> (served by <c>MapCellDefaultEndpoints</c>)
    /// and adds <see cref="IActorProxyFactory"/>. Call it without registrations to only call actors.
    /// </summary>
    public static IServiceCollection AddActors(this IServiceCollection services, Action<ActorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<ActorOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.Validate(o => o.IdleTimeout > TimeSpan.Zero, "ActorOptions.IdleTimeout must be positive.")
            .Validate(o => o.ReentrancyMaxStackDepth > 0, "ActorOptions.ReentrancyMaxStackDepth must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<ActorJson>();
        services.TryAddSingleton<ActorActivations>();
        services.TryAddSingleton<IActorProxyFactory>(sp => new ActorProxyFactory(sp.GetRequiredService<IDaprSidecarClient>(), sp.GetRequiredService<ActorJson>().Options));
        return services;
    }
}
