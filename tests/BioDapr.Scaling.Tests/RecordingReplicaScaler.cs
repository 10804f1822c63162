using BioDapr.Control.Replicas;

namespace BioDapr.Scaling.Tests;

/// <summary>A runner stand-in at unit level: lists the replicas it was given, records every scale call, can refuse.</summary>
internal sealed class RecordingReplicaScaler : IReplicaScaler
{
    private readonly Dictionary<string, int> _replicas;

    public RecordingReplicaScaler(params (string AppId, int Replicas)[] cells) => _replicas = cells.ToDictionary(c => c.AppId, c => c.Replicas);

    public List<(string AppId, int Replicas)> Scales { get; } = [];

    public string? Refuse { get; set; }

    public bool Unreachable { get; set; }

    public static CellReplicas Running(string appId, int replicas) =>
        new(appId, [.. Enumerable.Range(0, replicas).Select(i => new ReplicaInfo(i, "ready", 3500 + i, null, null, null))]);

    public Task<IReadOnlyList<CellReplicas>> ListAsync(CancellationToken cancellationToken) =>
        Unreachable
            ? throw new ReplicaScalingException("the runner's control API at http://127.0.0.1:1/ cannot be reached: Connection refused")
            : Task.FromResult<IReadOnlyList<CellReplicas>>([.. _replicas.Select(c => Running(c.Key, c.Value))]);

    public Task<CellReplicas> ScaleAsync(string appId, int replicas, CancellationToken cancellationToken)
    {
        Scales.Add((appId, replicas));
        if (Refuse is { } reason)
        {
            throw new ReplicaScalingException(reason) { StatusCode = 409 };
        }

        _replicas[appId] = replicas;
        return Task.FromResult(Running(appId, replicas));
    }
}
