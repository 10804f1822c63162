using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Components.Secrets;
using BioDapr.Sidecar.Components.State;

namespace BioDapr.Sidecar.Components;

/// <summary>
/// Creates component instances by type. These are the types the development sidecar supports; any
/// other type stops startup with an error that names the file and the component.
/// </summary>
internal sealed class ComponentFactory(ILoggerFactory loggerFactory, TimeProvider time, string workingDirectory)
{
    /// <summary>The supported component types.</summary>
    public static readonly IReadOnlyList<string> SupportedTypes =
    [
        "pubsub.redis", "pubsub.in-memory", "state.redis", "state.in-memory", "configuration.redis",
        "secretstores.local.file", "secretstores.local.env",
    ];

    /// <summary>Creates and initialises one component. Throws <see cref="ComponentConfigurationException"/> for bad metadata or an unsupported type.</summary>
    public async Task<IComponent> CreateAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        if (metadata.Version is not ("v1" or ""))
        {
            throw new ComponentConfigurationException(metadata, $"version '{metadata.Version}' is not supported (only v1)");
        }

        var logger = loggerFactory.CreateLogger("BioDapr.Sidecar.Components." + metadata.Type);
        return metadata.Type switch
        {
            "pubsub.redis" => await RedisPubSub.CreateAsync(metadata, logger, time, cancellationToken),
            "pubsub.in-memory" => new InMemoryPubSub(metadata, loggerFactory.CreateLogger<InMemoryPubSub>()),
            "state.redis" => await RedisStateStore.CreateAsync(metadata, logger, time, cancellationToken),
            "state.in-memory" => new InMemoryStateStore(metadata, time),
            "configuration.redis" => await RedisConfigurationStore.CreateAsync(metadata, logger, time, cancellationToken),
            "secretstores.local.file" => new LocalFileSecretStore(metadata, workingDirectory),
            "secretstores.local.env" => new LocalEnvSecretStore(metadata, environment: null, loggerFactory.CreateLogger<LocalEnvSecretStore>()),
            _ => throw new ComponentConfigurationException(
                metadata,
                $"component type '{metadata.Type}' is not supported by the BioDapr development sidecar (supported: {string.Join(", ", SupportedTypes)})"),
        };
    }
}
