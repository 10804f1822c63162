namespace BioDapr.Scaling.Policies;

/// <summary>
/// How much one replica serves: <see cref="PerReplicaRate"/> requests per second at full utilisation, run at
/// <see cref="TargetUtilisation"/> to leave headroom. Replicas for a rate: ceil(rate / (capacity x target)).
/// </summary>
public sealed record CapacityModel(double PerReplicaRate, double TargetUtilisation)
{
    /// <summary>Replicas that serve <paramref name="ratePerSecond"/> at the target utilisation (at least 1).</summary>
    public int ReplicasFor(double ratePerSecond)
    {
        if (PerReplicaRate <= 0 || TargetUtilisation is <= 0 or > 1)
        {
            throw new InvalidOperationException($"capacity model needs a per-replica rate > 0 (got {PerReplicaRate}) and a target utilisation in (0, 1] (got {TargetUtilisation})");
        }

        return Math.Max(1, (int)Math.Ceiling(Math.Max(0, ratePerSecond) / (PerReplicaRate * TargetUtilisation) - 1e-9));
    }
}
