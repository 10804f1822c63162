namespace BioDapr.Scaling.Policies;

/// <summary>A fixed, over-provisioned fleet: always <paramref name="replicas"/> replicas.</summary>
public sealed class FixedFleetPolicy(int replicas) : IScalingPolicy
{
    /// <inheritdoc />
    public string Name => "fixed";

    /// <inheritdoc />
    public TimeSpan Period => TimeSpan.FromSeconds(15);

    /// <summary>The fleet size.</summary>
    public int Replicas { get; } = replicas >= 1 ? replicas : throw new ArgumentOutOfRangeException(nameof(replicas), "a fleet needs at least one replica");

    /// <inheritdoc />
    public int Decide(ScalingObservation observation) => Replicas;
}
