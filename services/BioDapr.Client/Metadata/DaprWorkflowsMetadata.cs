namespace BioDapr.Client;

/// <summary>The workflow engine's status.</summary>
public sealed record DaprWorkflowsMetadata
{
    /// <summary>Connected workflow workers.</summary>
    public int ConnectedWorkers { get; init; }
}
