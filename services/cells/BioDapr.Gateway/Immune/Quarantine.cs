using System.Text.Json.Serialization;

namespace BioDapr.Gateway.Immune;

/// <summary>How hard a quarantine holds its target.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuarantineStage>))]
public enum QuarantineStage
{
    /// <summary>Admitted at <c>gateway.immune.throttledRatePerSecond</c>; beyond it 429.</summary>
    Throttled,

    /// <summary>Every request refused with 403.</summary>
    Refused,
}

/// <summary>One quarantined caller, as kept in the state store.</summary>
/// <param name="Target">What is held: <c>client:NAME</c>, <c>client:NAME@ADDRESS</c> or <c>address:ADDRESS</c>.</param>
/// <param name="Stage">Throttled or refused.</param>
/// <param name="Feature">The behaviour that stood out.</param>
/// <param name="Score">The score that decided it.</param>
/// <param name="Reason">Why, in words (the audit's and the operator's).</param>
/// <param name="Remembered">Decided early because the behaviour matched a remembered attack signature.</param>
/// <param name="Since">When it was first quarantined.</param>
/// <param name="ExpiresAt">When it ends unless detected again.</param>
public sealed record Quarantine(
    string Target,
    QuarantineStage Stage,
    AnomalyFeature Feature,
    double Score,
    string Reason,
    bool Remembered,
    DateTimeOffset Since,
    DateTimeOffset ExpiresAt);

/// <summary>A remembered attack: its behaviour and where it came from. The same behaviour from the same origin is quarantined on less evidence.</summary>
/// <param name="Feature">The behaviour that stood out.</param>
/// <param name="Network">The source network (IPv4 /24, IPv6 /64).</param>
/// <param name="Client">The client whose key it used, or null.</param>
/// <param name="NewAddress">The key was used from an address its client was never seen at (a stolen key), not by its own client.</param>
/// <param name="FirstSeen">When it was first quarantined.</param>
/// <param name="LastSeen">When it was last quarantined.</param>
/// <param name="Encounters">How often it was quarantined.</param>
public sealed record AttackSignature(AnomalyFeature Feature, string Network, string? Client, bool NewAddress, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, int Encounters);

/// <summary>One immune decision, with its reason.</summary>
/// <param name="At">When.</param>
/// <param name="Action"><c>quarantined</c>, <c>refused</c> (escalated), <c>released</c>, <c>expired</c>.</param>
/// <param name="Target">Whom it concerns.</param>
/// <param name="Reason">Why.</param>
/// <param name="By"><c>detector</c>, <c>memory</c>, or the operator.</param>
public sealed record ImmuneAuditEntry(DateTimeOffset At, string Action, string Target, string Reason, string By);

/// <summary>Everything the immune response keeps in the state store (one key, <see cref="StateKey"/>, written with its ETag).</summary>
public sealed record ImmuneLedger
{
    /// <summary>The state key.</summary>
    public const string StateKey = "immune-ledger";

    /// <summary>Audit entries kept (the oldest are dropped).</summary>
    public const int MaxAudit = 2_000;

    /// <summary>Signatures kept (the least recently seen are dropped).</summary>
    public const int MaxSignatures = 1_000;

    /// <summary>The quarantines in force, by target.</summary>
    public Dictionary<string, Quarantine> Quarantines { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Remembered attacks.</summary>
    public List<AttackSignature> Signatures { get; init; } = [];

    /// <summary>The latest decisions, oldest first.</summary>
    public List<ImmuneAuditEntry> Audit { get; init; } = [];
}
