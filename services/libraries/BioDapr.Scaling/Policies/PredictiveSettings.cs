namespace BioDapr.Scaling.Policies;

/// <summary>Settings of <see cref="PredictivePolicy"/>.</summary>
public sealed record PredictiveSettings
{
    /// <summary>The capacity model: one replica's rate and the utilisation to plan for.</summary>
    public required CapacityModel Capacity { get; init; }

    /// <summary>Time from asking for a replica to its first served request.</summary>
    public required TimeSpan ColdStart { get; init; }

    /// <summary>Time between two decisions.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A scale-down waits until every recommendation of this window is lower (at least <see cref="ColdStart"/> + <see cref="Period"/>).</summary>
    public TimeSpan ScaleDownStabilisation { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Backlog is planned to drain within this time (the reactive floor adds backlog / drain time to the rate).</summary>
    public TimeSpan BacklogDrain { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>minReplicas.</summary>
    public int MinReplicas { get; init; } = 1;

    /// <summary>maxReplicas.</summary>
    public int MaxReplicas { get; init; } = 200;
}
