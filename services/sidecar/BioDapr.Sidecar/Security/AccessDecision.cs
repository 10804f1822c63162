namespace BioDapr.Sidecar.Security;

/// <summary>The outcome of an access control check; <paramref name="Denial"/> is daprd's message when refused.</summary>
internal readonly record struct AccessDecision(bool Allowed, string? Denial)
{
    public static AccessDecision Allow { get; } = new(true, null);
}
