namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>What a replica is doing: starting (not in rotation yet), ready (supervised, restarted when it dies) or draining (being removed).</summary>
internal enum ReplicaState
{
    Starting,
    Ready,
    Draining,
}

/// <summary>Why a scale request was refused, or <see cref="Done"/>.</summary>
internal enum ScaleOutcome
{
    Done,
    UnknownApp,
    BadCount,
    NotRunning,
    GivenUp,
    StartFailed,
}

/// <summary>One replica as the control API shows it.</summary>
internal sealed record ReplicaStatus(int Replica, ReplicaState State, int DaprHttpPort, int? AppPort, int? SidecarPid, int? AppPid);

/// <summary>One app of the run and its replicas.</summary>
internal sealed record AppStatus(string AppId, IReadOnlyList<ReplicaStatus> Replicas);

/// <summary>The answer to a scale request: the app afterwards, or why it was refused.</summary>
internal sealed record ScaleResult(ScaleOutcome Outcome, AppStatus? App, string? Problem)
{
    public static ScaleResult Done(AppStatus app) => new(ScaleOutcome.Done, app, null);

    public static ScaleResult Refused(ScaleOutcome outcome, string problem) => new(outcome, null, problem);
}
