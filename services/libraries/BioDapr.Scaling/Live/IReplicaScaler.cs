namespace BioDapr.Scaling.Live;

/// <summary>
/// The seam through which the cortex reads and sets a cell's replica count on a running organism: the
/// development runner's replica API (issue 18 item 2, branch <c>replicas</c>), or the platform in a
/// deployment. A <see cref="Policies.IScalingPolicy"/> decides; an implementation of this applies.
/// </summary>
public interface IReplicaScaler
{
    /// <summary>Replicas of <paramref name="appId"/>: provisioned, and ready to serve.</summary>
    Task<ReplicaCount> GetAsync(string appId, CancellationToken cancellationToken);

    /// <summary>Asks for <paramref name="replicas"/> replicas of <paramref name="appId"/>; returns at once (new replicas become ready after their cold start).</summary>
    Task SetAsync(string appId, int replicas, CancellationToken cancellationToken);
}

/// <summary>A cell's replica count.</summary>
public sealed record ReplicaCount(int Provisioned, int Ready);
