using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Workflows;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>
/// The building-block services one sidecar runs, shared by its HTTP and gRPC front ends; each gets only the
/// parts it uses (components, resiliency, the publisher…), built once from the runtime here.
/// </summary>
internal sealed class BuildingBlockServices(SidecarRuntime runtime)
{
    public StateService State { get; } = new(runtime.Components, runtime.Resiliency, runtime.Settings.AppId);

    public PubSubService PubSub { get; } = new(runtime.Components, runtime.Publisher, runtime.Settings.AppId, runtime.Time);

    public SecretsService Secrets { get; } = new(runtime.Components, runtime.Configuration, runtime.Resiliency);

    public ConfigurationService Configuration { get; } = new(runtime.Components, runtime.Resiliency, runtime.ConfigurationUpdates, runtime.Stopping);

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
