using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Workflows;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>The building-block services one sidecar runs, shared by its HTTP and gRPC front ends.</summary>
internal sealed class BuildingBlockServices(SidecarRuntime runtime)
{
    public StateService State { get; } = new(runtime);

    public PubSubService PubSub { get; } = new(runtime);

    public SecretsService Secrets { get; } = new(runtime);

    public ConfigurationService Configuration { get; } = new(runtime);

    /// <summary>The workflow engine (needs the actor state store; without one its calls answer daprd's actor-runtime error).</summary>
    public WorkflowEngine Workflows { get; } = new(
        runtime.Components.ActorStateStore?.Component,
        runtime.Components.ActorStateStore?.Name,
        runtime.Settings.AppId,
        WorkflowKeys.NamespaceFrom(runtime.Settings.GetEnvironmentVariable),
        runtime.Time,
        runtime.Random,
        runtime.LoggerFactory.CreateLogger("BioDapr.Sidecar.Workflows"));
}
