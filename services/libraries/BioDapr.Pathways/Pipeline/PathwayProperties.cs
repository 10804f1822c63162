using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>Resilience-context properties the pathway sets for the code it runs.</summary>
public static class PathwayProperties
{
    /// <summary>The attempt number (1 = first attempt).</summary>
    public static readonly ResiliencePropertyKey<int> Attempt = new("BioDapr.Pathway.Attempt");

    /// <summary>
    /// Whether the call may be sent more than once (retried or hedged): true for idempotent calls, false for
    /// a call whose repetition could act twice (an HTTP POST without an <c>Idempotency-Key</c>).
    /// </summary>
    public static readonly ResiliencePropertyKey<bool> MayRepeat = new("BioDapr.Pathway.MayRepeat");
}
