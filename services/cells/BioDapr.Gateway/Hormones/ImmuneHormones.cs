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
