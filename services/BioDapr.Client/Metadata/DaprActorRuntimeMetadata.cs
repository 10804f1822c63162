namespace BioDapr.Client;

/// <summary>The actor runtime's status.</summary>
public sealed record DaprActorRuntimeMetadata
{
    /// <summary>For example <c>RUNNING</c> or <c>DISABLED</c>.</summary>
    public string RuntimeStatus { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Active actors per type.</summary>
    public IReadOnlyList<DaprActiveActorsCount> ActiveActors { get; init => field = value ?? []; } = [];

    /// <summary>Whether this host can run actors.</summary>
    public bool HostReady { get; init; }

    /// <summary>Placement connection status text.</summary>
    public string Placement { get; init => field = value ?? string.Empty; } = string.Empty;
}
