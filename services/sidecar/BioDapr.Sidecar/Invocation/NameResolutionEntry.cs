namespace BioDapr.Sidecar.Invocation;

/// <summary>What a running sidecar publishes about itself for the other sidecars of the machine.</summary>
/// <param name="AppId">The app id.</param>
/// <param name="InternalPort">The sidecar-to-sidecar port (daprd's internal gRPC port; ours speaks HTTP).</param>
/// <param name="HttpPort">The Dapr HTTP API port.</param>
/// <param name="ProcessId">The sidecar's process id (stale entries of dead processes are ignored).</param>
/// <param name="ActorTypes">Actor types the sidecar's app hosts (used by actor placement).</param>
/// <param name="Signature">The run's signature over the entry (see <see cref="Security.PeerAuthenticator"/>); null when the run has no secret.</param>
internal sealed record NameResolutionEntry(string AppId, int InternalPort, int HttpPort, int ProcessId, IReadOnlyList<string> ActorTypes, string? Signature = null);
