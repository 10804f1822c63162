using System.Text.Json;
using BioDapr.Client.Protocol;

namespace BioDapr.Client;

/// <summary>
/// A reminder registration (<c>POST /v1.0/actors/{type}/{id}/reminders/{name}</c>). Times use Dapr's
/// formats: <see cref="DueTime"/> is an RFC 3339 time, a Go duration (<c>1m30s</c>) or an ISO 8601
/// duration without repetitions; <see cref="Period"/> a Go duration or an ISO 8601 duration, optionally
/// with <c>R&lt;n&gt;/</c> repetitions (no day units: Dapr's scheduler rejects them);
/// <see cref="Ttl"/> a time or a duration. Empty strings are left out.
/// </summary>
public sealed record ActorReminder
{
    /// <summary>When the reminder first fires; empty fires now.</summary>
    public string DueTime { get; init; } = string.Empty;

    /// <summary>The interval between firings; empty fires once.</summary>
    public string Period { get; init; } = string.Empty;

    /// <summary>When the reminder stops; empty never.</summary>
    public string Ttl { get; init; } = string.Empty;

    /// <summary>Raw JSON handed back unchanged on every firing; null sends none.</summary>
    public JsonElement? Data { get; init; }

    /// <summary>False asks the sidecar to answer 409 when the reminder exists (Dapr 1.17+); null leaves Dapr's default (true).</summary>
    public bool? Overwrite { get; init; }

    /// <summary>A reminder firing every <paramref name="period"/>, first after <paramref name="dueTime"/> (Go durations on the wire).</summary>
    public static ActorReminder Every(TimeSpan period, TimeSpan? dueTime = null, JsonElement? data = null) => new()
    {
        Period = GoDuration.Format(period),
        DueTime = GoDuration.Format(dueTime ?? period),
        Data = data,
    };

    /// <summary>A reminder firing once after <paramref name="dueTime"/>.</summary>
    public static ActorReminder Once(TimeSpan dueTime, JsonElement? data = null) => new() { DueTime = GoDuration.Format(dueTime), Data = data };
}

/// <summary>A timer registration (<c>POST /v1.0/actors/{type}/{id}/timers/{name}</c>); timers are not persisted and stop when the actor deactivates.</summary>
public sealed record ActorTimer
{
    /// <summary>When the timer first fires (same formats as <see cref="ActorReminder.DueTime"/>).</summary>
    public string DueTime { get; init; } = string.Empty;

    /// <summary>The interval between firings; empty fires once.</summary>
    public string Period { get; init; } = string.Empty;

    /// <summary>When the timer stops; empty never.</summary>
    public string Ttl { get; init; } = string.Empty;

    /// <summary>The callback the app's actor runs (echoed to the app in the timer body).</summary>
    public string Callback { get; init; } = string.Empty;

    /// <summary>Raw JSON handed back on every firing.</summary>
    public JsonElement? Data { get; init; }
}

/// <summary>A registered reminder as <c>GET …/reminders/{name}</c> reports it (empty fields are empty).</summary>
/// <param name="ActorType">The actor type.</param>
/// <param name="ActorId">The actor id.</param>
/// <param name="DueTime">The registered due time.</param>
/// <param name="Period">The schedule (Dapr's scheduler reports <c>@every &lt;duration&gt;</c>).</param>
/// <param name="Ttl">The expiry time (RFC 3339).</param>
/// <param name="Data">The registered data.</param>
public sealed record ActorReminderInfo(string ActorType, string ActorId, string DueTime, string Period, string Ttl, JsonElement? Data);

/// <summary>One operation of an actor state transaction: an upsert (with <see cref="Value"/>) or a delete.</summary>
/// <param name="Key">The actor state key.</param>
/// <param name="IsDelete">True for a delete.</param>
/// <param name="Value">The JSON value of an upsert.</param>
/// <param name="Metadata">Per-operation metadata (<c>ttlInSeconds</c> needs the <c>ActorStateTTL</c> feature).</param>
public sealed record ActorStateOperation(string Key, bool IsDelete, JsonElement? Value = null, IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>An upsert of <paramref name="value"/>.</summary>
    public static ActorStateOperation Upsert(string key, JsonElement value, IReadOnlyDictionary<string, string>? metadata = null) => new(key, false, value, metadata);

    /// <summary>A delete.</summary>
    public static ActorStateOperation Delete(string key) => new(key, true);
}
