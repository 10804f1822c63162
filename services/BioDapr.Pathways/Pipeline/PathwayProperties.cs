using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>Resilience-context properties the pathway sets for the code it runs.</summary>
public static class PathwayProperties
{
    /// <summary>The attempt number (1 = first attempt).</summary>
    public static readonly ResiliencePropertyKey<int> Attempt = new("BioDapr.Pathway.Attempt");
}
