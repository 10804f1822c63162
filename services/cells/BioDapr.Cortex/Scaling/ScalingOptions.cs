using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cortex.Scaling;

/// <summary>Options of the desired-replicas endpoint and of the live scaling loop (configuration section <c>Cortex:Scaling</c>).</summary>
public sealed class ScalingOptions
{
    public const string SectionName = "Cortex:Scaling";

    /// <summary>The default of <see cref="PlaceholderReplicas"/>.</summary>
    public const int DefaultPlaceholderReplicas = 1;

    /// <summary>The cells the endpoint answers for (the scaled container apps).</summary>
    [MinLength(1)]
    public string[] Cells { get; set; } = ["gateway", "orders", "inventory", "payments", "notifications", "shipping"];

    /// <summary>What <see cref="PlaceholderDesiredReplicas"/> answers for every cell (and the forecast source for a cell with no vitals yet).</summary>
    [Range(1, 100)]
    public int PlaceholderReplicas { get; set; } = DefaultPlaceholderReplicas;

    /// <summary>
    /// <c>Cortex:Scaling:Enabled</c>: runs the live scaling loop (record arrivals from vitals, retrain the
    /// forecasters, decide with the predictive policy, apply through the runner when one started the cortex).
    /// Off by default: the endpoint then serves the placeholder.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Seconds between two decisions of the loop (fractions allowed: a replay in compressed time divides it).</summary>
    [Range(0.1, 3600)]
    public double PeriodSeconds { get; set; } = 15;

    /// <summary>Cells decided for but never scaled through the runner: the gateway, whose public port is fixed.</summary>
    public string[] NotApplied { get; set; } = ["gateway"];

    /// <summary>Requests per second one replica serves at full utilisation (the capacity model).</summary>
    [Range(0.001, 1_000_000)]
    public double PerReplicaRate { get; set; } = 50;

    /// <summary>The utilisation the fleet is sized for (headroom).</summary>
    [Range(0.05, 1)]
    public double TargetUtilisation { get; set; } = 0.6;

    /// <summary>Seconds from asking for a replica to its first served request (a runner replica: sidecar + app start).</summary>
    /// <remarks>A cell's measured cold start, given with its history (<c>PUT /scaling/{appId}/history</c>), replaces it for that cell.</remarks>
    [Range(0, 3600)]
    public double ColdStartSeconds { get; set; } = 10;

    /// <summary>Fewest replicas asked for (never below 1).</summary>
    [Range(1, 100)]
    public int MinReplicas { get; set; } = 1;

    /// <summary>Most replicas asked for.</summary>
    [Range(1, 100)]
    public int MaxReplicas { get; set; } = 5;

    /// <summary>Seconds a scale-down waits until every recommendation of the window is lower.</summary>
    [Range(0, 3600)]
    public double ScaleDownStabilisationSeconds { get; set; } = 120;

    /// <summary>Seconds the backlog is planned to drain in (the reactive floor adds backlog / this to the arrival rate).</summary>
    [Range(0.1, 3600)]
    public double BacklogDrainSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds the observed load is measured over (arrivals, backlog, utilisation from the vitals windows); null: one
    /// period. With a period shorter than a few vitals windows (1 s each), set it to a few seconds.
    /// </summary>
    [Range(0.1, 3600)]
    public double? ObservedWindowSeconds { get; set; }

    /// <summary>
    /// Seconds after its end an arrival bucket waits for the vitals windows of every replica before it is recorded (a
    /// window that comes later is dropped as late). A few vitals windows: 10 s by default; shorter for short buckets.
    /// </summary>
    [Range(0, 3600)]
    public double BucketGraceSeconds { get; set; } = 10;
}
