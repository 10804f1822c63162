namespace BioDapr.Scaling.Policies;

/// <summary>
/// The Kubernetes Horizontal Pod Autoscaler's settings, with its documented defaults
/// (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/): sync period 15 s, tolerance
/// 0.1, scale-down stabilisation window 300 s, no scale-up stabilisation; default scale-up policy: at most
/// max(+100 %, +4 pods) per 15 s.
/// </summary>
public sealed record HpaSettings
{
    /// <summary>Target utilisation of the ready replicas (HPA's averageUtilization / 100).</summary>
    public double TargetUtilisation { get; init; } = 0.6;

    /// <summary>Ratios within 1 ± tolerance do not scale (--horizontal-pod-autoscaler-tolerance).</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>Scale-down stabilisation window (--horizontal-pod-autoscaler-downscale-stabilization).</summary>
    public TimeSpan ScaleDownStabilisation { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Sync period (--horizontal-pod-autoscaler-sync-period).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>minReplicas.</summary>
    public int MinReplicas { get; init; } = 1;

    /// <summary>maxReplicas.</summary>
    public int MaxReplicas { get; init; } = 200;
}
