namespace BioDapr.Gateway.Admission;

/// <summary>The answer to one request for a slot: admitted, or refused (before anything was done) with a Retry-After.</summary>
/// <param name="Outcome">Admitted or why not.</param>
/// <param name="RetryAfter">For a refusal: when a retry may find a slot.</param>
/// <param name="Waited">How long the request waited in its client's queue.</param>
public readonly record struct FairShareTicket(FairShareOutcome Outcome, TimeSpan RetryAfter, TimeSpan Waited)
{
    /// <summary>True when the request holds a slot.</summary>
    public bool Admitted => Outcome == FairShareOutcome.Admitted;
}
