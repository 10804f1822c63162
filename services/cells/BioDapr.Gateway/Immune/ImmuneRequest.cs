namespace BioDapr.Gateway.Immune;

/// <summary>A request feature set by <see cref="ImmuneMiddleware"/>: the source address, and once admission identified it, the client.</summary>
internal sealed class ImmuneRequest(string address, ImmuneSystem system)
{
    public string Address { get; } = address;

    /// <summary>
    /// The immune system that judges this request: the gateway's, or for the gateway's own warm-up requests a scratch one
    /// (<see cref="WarmupImmune"/>) whose verdicts go nowhere.
    /// </summary>
    public ImmuneSystem System { get; } = system;

    public string? Client { get; set; }

    /// <summary><see cref="AnomalyDetector.Begin"/>'s answer, 0 until the client is known.</summary>
    public long StartedAt { get; set; }

    /// <summary>The quarantine answered it: not scored again.</summary>
    public bool Refused { get; set; }

    /// <summary>
    /// The answer is the orders cell's decision on a well-formed placement (out of stock, more than the maximum quantity,
    /// a key still in progress or reused with another body), forwarded as it is: see <see cref="RequestObservation.DomainAnswer"/>.
    /// </summary>
    public bool DomainAnswer { get; set; }
}
