using System.Text.Json;
using System.Text.Json.Serialization;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Actors;

/// <summary>A persisted reminder: what was registered and when it fires next.</summary>
internal sealed record ReminderRecord
{
    public required string ActorType { get; init; }

    public required string ActorId { get; init; }

    public required string Name { get; init; }

    /// <summary>The registered <c>data</c>, raw JSON, handed back unchanged on every firing.</summary>
    public JsonElement? Data { get; init; }

    public string DueTime { get; init; } = string.Empty;

    public string Period { get; init; } = string.Empty;

    public string Ttl { get; init; } = string.Empty;

    /// <summary>The next firing.</summary>
    public required DateTimeOffset NextFire { get; init; }

    /// <summary>The fixed interval between firings; null fires once.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Firings left (-1: no limit).</summary>
    public int RemainingFirings { get; init; } = -1;

    /// <summary>When the reminder stops (ttl), or null.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    [JsonIgnore]
    public string Key => $"{ActorType}||{ActorId}||{Name}";

    /// <summary>The period as daprd reports it (the scheduler's job schedule, <c>@every 1h0m0s</c>); null without one.</summary>
    [JsonIgnore]
    public string? SchedulePeriod => Interval is { } interval ? "@every " + GoDuration.Format(interval) : null;

    /// <summary>When the reminder expires, as daprd reports it (RFC 3339 with up to nanoseconds, UTC); null without a ttl.</summary>
    [JsonIgnore]
    public string? Expiration => ExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
