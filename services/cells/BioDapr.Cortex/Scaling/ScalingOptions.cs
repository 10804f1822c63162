using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cortex.Scaling;

/// <summary>Options of the desired-replicas endpoint (configuration section <c>Cortex:Scaling</c>).</summary>
public sealed class ScalingOptions
{
    public const string SectionName = "Cortex:Scaling";

    /// <summary>The default of <see cref="PlaceholderReplicas"/>.</summary>
    public const int DefaultPlaceholderReplicas = 1;

    /// <summary>The cells the endpoint answers for (the scaled container apps).</summary>
    [MinLength(1)]
    public string[] Cells { get; set; } = ["gateway", "orders", "inventory", "payments", "notifications", "shipping"];

    /// <summary>What <see cref="PlaceholderDesiredReplicas"/> answers for every cell.</summary>
    [Range(1, 100)]
    public int PlaceholderReplicas { get; set; } = DefaultPlaceholderReplicas;
}
