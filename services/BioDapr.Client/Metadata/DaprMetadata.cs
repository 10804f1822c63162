namespace BioDapr.Client;

/// <summary>
/// The answer of <c>GET /v1.0/metadata</c>: what the sidecar runs. Fields the sidecar leaves out are
/// empty here; fields this type does not know are ignored, so newer sidecars stay readable.
/// </summary>
public sealed record DaprMetadata
{
    /// <summary>The app id.</summary>
    public string Id { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The runtime version, for example <c>1.18.3</c>.</summary>
    public string RuntimeVersion { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Preview or default-on features, for example <c>HotReload</c>.</summary>
    public IReadOnlyList<string> EnabledFeatures { get; init => field = value ?? []; } = [];

    /// <summary>Active actors per actor type.</summary>
    public IReadOnlyList<DaprActiveActorsCount> Actors { get; init => field = value ?? []; } = [];

    /// <summary>Loaded components.</summary>
    public IReadOnlyList<DaprRegisteredComponent> Components { get; init => field = value ?? []; } = [];

    /// <summary>Extended metadata (set with <c>PUT /v1.0/metadata/{key}</c>, plus <c>daprRuntimeVersion</c>).</summary>
    public IReadOnlyDictionary<string, string> Extended { get; init => field = value ?? new Dictionary<string, string>(); } = new Dictionary<string, string>();

    /// <summary>Active pub/sub subscriptions.</summary>
    public IReadOnlyList<DaprSubscriptionMetadata> Subscriptions { get; init => field = value ?? []; } = [];

    /// <summary>Loaded HTTPEndpoint resources.</summary>
    public IReadOnlyList<DaprNamedResource> HttpEndpoints { get; init => field = value ?? []; } = [];

    /// <summary>How the sidecar reaches its app; null when the sidecar left it out.</summary>
    public DaprAppConnectionProperties? AppConnectionProperties { get; init; }

    /// <summary>Actor runtime status; null when the sidecar left it out.</summary>
    public DaprActorRuntimeMetadata? ActorRuntime { get; init; }

    /// <summary>Scheduler connection; null when the sidecar left it out.</summary>
    public DaprSchedulerMetadata? Scheduler { get; init; }

    /// <summary>Workflow engine status; null when the sidecar left it out.</summary>
    public DaprWorkflowsMetadata? Workflows { get; init; }

    /// <summary>Loaded MCP server resources.</summary>
    public IReadOnlyList<DaprNamedResource> McpServers { get; init => field = value ?? []; } = [];

    /// <summary>Loaded workflow access policies.</summary>
    public IReadOnlyList<DaprNamedResource> WorkflowAccessPolicies { get; init => field = value ?? []; } = [];

    /// <summary>Loaded Resiliency resources.</summary>
    public IReadOnlyList<DaprNamedResource> Resiliencies { get; init => field = value ?? []; } = [];
}
