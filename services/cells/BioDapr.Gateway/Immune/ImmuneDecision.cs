namespace BioDapr.Gateway.Immune;

/// <summary>What the quarantine says about a request before it runs.</summary>
/// <param name="Admitted">The request may go on.</param>
/// <param name="Quarantine">The quarantine that holds the caller, or null.</param>
/// <param name="RetryAfter">For a throttled caller over its rate: when it may send again.</param>
public readonly record struct ImmuneDecision(bool Admitted, Quarantine? Quarantine, TimeSpan RetryAfter)
{
    /// <summary>Go on, no quarantine.</summary>
    public static ImmuneDecision Admit { get; } = new(true, null, TimeSpan.Zero);
}
