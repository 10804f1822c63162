namespace BioDapr.Scaling.Simulation;

/// <summary>
/// One policy on one scenario: SLO-violating seconds, replica-seconds (cost: replicas provisioned, starting ones
/// included, summed over seconds), requests dropped, and a per-minute timeline for the plots.
/// </summary>
public sealed record ScalingRun(
    string Scenario,
    string Policy,
    int Seconds,
    int SloViolatingSeconds,
    double ReplicaSeconds,
    long Arrivals,
    long Dropped,
    int MaxReplicas,
    IReadOnlyList<ScalingMinute> Timeline)
{
    /// <summary>The policy's target utilisation (a label for sweeps; 0 when not set).</summary>
    public double Target { get; init; }

    /// <summary>Mean replicas provisioned.</summary>
    public double MeanReplicas => ReplicaSeconds / Seconds;
}

/// <summary>One minute of a run: its mean arrival rate, replicas provisioned and ready at its end, and its SLO-violating seconds.</summary>
public sealed record ScalingMinute(int Minute, double ArrivalRate, int Replicas, int ReadyReplicas, int ViolatingSeconds);
