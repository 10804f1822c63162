namespace BioDapr.Control.Replicas;

/// <summary>One cell (Dapr app id) and its replicas as the runner reports them.</summary>
/// <param name="AppId">The Dapr app id.</param>
/// <param name="Replicas">Its replicas.</param>
public sealed record CellReplicas(string AppId, IReadOnlyList<ReplicaInfo> Replicas);

/// <summary>One replica: its index, state (<c>starting</c>, <c>ready</c>, <c>draining</c>), sidecar HTTP port and processes.</summary>
/// <param name="Replica">The replica index (0 is the first).</param>
/// <param name="State">starting, ready or draining.</param>
/// <param name="DaprHttpPort">Its sidecar's HTTP port.</param>
/// <param name="AppPort">Its app port, when the app has one.</param>
/// <param name="SidecarPid">Its sidecar's process id while it runs.</param>
/// <param name="AppPid">Its app's process id while it runs.</param>
public sealed record ReplicaInfo(int Replica, string State, int DaprHttpPort, int? AppPort, int? SidecarPid, int? AppPid);
