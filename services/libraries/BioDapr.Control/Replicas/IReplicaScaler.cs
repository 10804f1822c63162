namespace BioDapr.Control.Replicas;

/// <summary>
/// Changes how many replicas of a cell run. Plain terms: the seam between a scaling policy and whatever
/// runs the replicas (the development runner's control API here; Azure Container Apps scales by its KEDA
/// rule instead, see infra/).
/// </summary>
public interface IReplicaScaler
{
    /// <summary>The cells of the run and their replicas.</summary>
    Task<IReadOnlyList<CellReplicas>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sets the replica count of <paramref name="appId"/> and returns once the change is done (new replicas
    /// ready, removed ones drained). Throws <see cref="ReplicaScalingException"/> with the runner's reason when
    /// the request is refused (unknown app, bad count, a replica that did not start).
    /// </summary>
    Task<CellReplicas> ScaleAsync(string appId, int replicas, CancellationToken cancellationToken);
}
