namespace BioDapr.Scaling.Simulation;

/// <summary>The cell the replica simulator models.</summary>
public sealed record ReplicaSimulationSettings
{
    /// <summary>Requests per second one ready replica serves at full utilisation.</summary>
    public double PerReplicaRate { get; init; } = 10;

    /// <summary>Time from asking for a replica to its first served request (image pull, start, warm-up, readiness).</summary>
    public TimeSpan ColdStart { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Latency objective: a second is SLO-violating when its arrivals' queueing delay plus service time exceeds it.</summary>
    public TimeSpan Slo { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Service time of one request on an idle replica.</summary>
    public TimeSpan ServiceTime { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A request waiting longer than this is dropped (the client gave up).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Replicas at the start (all ready).</summary>
    public int InitialReplicas { get; init; } = 1;

    /// <summary>Seed of the arrival process.</summary>
    public int Seed { get; init; } = 1;
}
