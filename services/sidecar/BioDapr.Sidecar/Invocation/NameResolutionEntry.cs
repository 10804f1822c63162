namespace BioDapr.Sidecar.Invocation;

/// <summary>What a running sidecar publishes about itself for the other sidecars of the machine.</summary>
/// <param name="AppId">The app id.</param>
/// <param name="InternalPort">The sidecar-to-sidecar port (daprd's internal gRPC port; ours speaks HTTP).</param>
/// <param name="HttpPort">The Dapr HTTP API port.</param>
/// <param name="ProcessId">The sidecar's process id (stale entries of dead processes are ignored).</param>
/// <param name="ActorTypes">Actor types the sidecar's app hosts (used by actor placement).</param>
/// <param name="Signature">The run's signature over the entry (see <see cref="Security.PeerAuthenticator"/>); null when the run has no secret.</param>
internal sealed record NameResolutionEntry(string AppId, int InternalPort, int HttpPort, int ProcessId, IReadOnlyList<string> ActorTypes, string? Signature = null)
{
    /// <summary>
    /// Which replica of the app this sidecar serves (the runner's replica index; the process id for a
    /// sidecar started by hand). Replicas of one app id have one entry each.
    /// </summary>
    public string InstanceId { get; init; } = string.Empty;

    /// <summary>
    /// Whether the sidecar's app is connected and (with app health checks) healthy: resolution prefers
    /// ready replicas, as a platform routes only to ready pods.
    /// </summary>
    public bool AppReady { get; init; }
}
