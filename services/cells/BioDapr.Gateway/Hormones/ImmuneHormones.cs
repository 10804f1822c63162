using System.ComponentModel.DataAnnotations;

namespace BioDapr.Gateway.Hormones;

/// <summary>
/// The anomaly detector's live thresholds and the quarantine's terms (hormones <c>gateway.immune.*</c>). A request's
/// score is the largest of its client's feature scores (standard deviations above the client's learned normal for
/// this hour of day, see <see cref="Immune.AnomalyDetector"/>).
/// </summary>
public sealed record ImmuneHormones : IValidatableObject
{
    /// <summary>
    /// Whether the detector scores requests and quarantines clients at all. On by default (hormone
    /// <c>gateway.immune.enabled</c>; <c>false</c> turns it off live). Whatever plays an attacker in the tests and tools
    /// calls from a loopback address of its own, so the quarantines it earns do not touch the legitimate traffic.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The score from which a client is quarantined (throttled).</summary>
    [Range(1, 1_000)]
    public double ScoreThreshold { get; init; } = 6;

    /// <summary>The score from which a client is refused outright (and a throttled client that is still detected is refused).</summary>
    [Range(1, 1_000)]
    public double RefuseScore { get; init; } = 12;

    /// <summary>
    /// A client whose behaviour matches a remembered attack signature is quarantined at this fraction of
    /// <see cref="ScoreThreshold"/>: a returning attacker is recognised on less evidence.
    /// </summary>
    [Range(0.05, 1)]
    public double MemoryFactor { get; init; } = 0.5;

    /// <summary>How long a quarantine lasts after the last detection, in seconds.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int QuarantineSeconds { get; init; } = 900;

    /// <summary>Requests per second a throttled client may still send (beyond: 429).</summary>
    [Range(0.01, 1_000)]
    public double ThrottledRatePerSecond { get; init; } = 1;

    /// <summary>A request in flight longer than this (milliseconds) is slow: a client holding several is dripping.</summary>
    [Range(500, 600_000)]
    public int SlowRequestMs { get; init; } = 8_000;

    /// <summary>
    /// A request whose body has been arriving for this long (milliseconds) at below <see cref="SlowBodyBytesPerSecond"/>
    /// is a slow body, judged while it is still open (each counts like a request held past <see cref="SlowRequestMs"/>:
    /// three at once reach the default threshold). Below Kestrel's own cut (its minimum body data rate of 240 B/s is
    /// enforced after a 5 s grace, answered 408), so a drip is seen before its bodies are cut, not only by the 408s.
    /// </summary>
    [Range(500, 600_000)]
    public int SlowBodyMs { get; init; } = 3_000;

    /// <summary>
    /// The average rate (bytes per second since the body began to arrive) below which a body open for
    /// <see cref="SlowBodyMs"/> is slow: far below any real upload (an order of a few hundred bytes arrives in one
    /// packet; a 2G link carries kilobytes per second) and below half of Kestrel's own minimum of 240 B/s.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SlowBodyBytesPerSecond { get; init; } = 100;

    /// <summary>
    /// Score multiplier for a client's key used from an address it was never learned at, until that address has proven
    /// itself (<see cref="AddressProofSamples"/>): there the evidence of a different pattern (the key's rate as far as
    /// that address explains it, the endpoint mix) and of wrong-doing (client errors, failed authentications, large or
    /// slow bodies) is added up (÷√3) and multiplied by this (<see cref="Immune.AnomalyFeature.UnlikeItsClient"/>). A
    /// thief shows both; a client that moved keeps its pattern, and one fluctuating feature is not doubled.
    /// </summary>
    [Range(1, 100)]
    public double NewAddressFactor { get; init; } = 2;

    /// <summary>
    /// Clean samples (at most one per 2 s) without a client error in the caller's last ~10 s after which an address
    /// counts as its client's own. Until then requests from it teach the client's baseline nothing (a thief cannot
    /// teach its victim's profile its errors).
    /// </summary>
    [Range(1, 1_000)]
    public int AddressProofSamples { get; init; } = 5;

    /// <summary>
    /// At an address that has not proven itself, the endpoint mix and client errors of the
    /// <see cref="Immune.AnomalyFeature.UnlikeItsClient"/> sum are also counted over about its last this many requests
    /// (each request ages the record by one), and the larger score counts: a slow caller's few requests add up, a fast
    /// caller's record is no larger than its ~10 s window. 0: the window only.
    /// </summary>
    [Range(0, 10_000)]
    public int NewAddressRecordRequests { get; init; } = 40;

    /// <summary>A body larger than this (bytes) counts as large; an order is well under 1 KiB.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int LargeBodyBytes { get; init; } = 4 * 1024;

    /// <summary>How often the gateway re-reads the quarantines from the state store (an operator's release reaches every replica), in milliseconds.</summary>
    [Range(100, 600_000)]
    public int SyncMs { get; init; } = 2_000;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RefuseScore < ScoreThreshold)
        {
            yield return new ValidationResult($"refuseScore ({RefuseScore}) must be at least scoreThreshold ({ScoreThreshold}).", [nameof(RefuseScore)]);
        }
    }
}
