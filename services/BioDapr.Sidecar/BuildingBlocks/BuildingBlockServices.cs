using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>The building-block services one sidecar runs, shared by its HTTP and gRPC front ends.</summary>
internal sealed class BuildingBlockServices(SidecarRuntime runtime)
{
    public StateService State { get; } = new(runtime);

    public PubSubService PubSub { get; } = new(runtime);

    public SecretsService Secrets { get; } = new(runtime);

    public ConfigurationService Configuration { get; } = new(runtime);
}
