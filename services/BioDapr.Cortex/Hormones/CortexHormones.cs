namespace BioDapr.Cortex.Hormones;

/// <summary>The cortex's own hormones (<c>cortex.*</c> in the configuration store), applied live.</summary>
public sealed record CortexHormones
{
    /// <summary><c>cortex.freeze</c>: true stops every hormone change the cortex would make (it keeps watching and auditing nothing).</summary>
    public bool Freeze { get; init; }
}
