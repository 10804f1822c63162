namespace BioDapr.Scenarios.Immune;

/// <summary>Who really sent a request of the labelled traffic mix.</summary>
public enum TrafficLabel
{
    /// <summary>A legitimate client.</summary>
    Legitimate,

    /// <summary>Many logins with guessed keys from one address (answered 401).</summary>
    CredentialStuffing,

    /// <summary>A client of its own enumerating orders (mostly 404) fast.</summary>
    Scraping,

    /// <summary>A client of its own sending oversized bodies (413).</summary>
    PayloadBomb,

    /// <summary>A client of its own holding several requests open, trickling their bodies (slow POST).</summary>
    SlowDrip,

    /// <summary>A legitimate client's key used from a new address with another pattern (reads of others' orders).</summary>
    CompromisedKey,
}

/// <summary>One request of the labelled mix.</summary>
/// <param name="At">When it starts, from the mix's beginning.</param>
/// <param name="Label">Who sent it.</param>
/// <param name="Episode">The attack episode (-1 for legitimate traffic).</param>
/// <param name="Client">The client its credential names, or null without a valid one.</param>
/// <param name="Address">The source address.</param>
/// <param name="Read">A read (<c>GET /api/orders/{id}</c>); otherwise an order (<c>POST /api/orders</c>).</param>
/// <param name="Status">What the gateway answers (before any quarantine).</param>
/// <param name="BodyBytes">The body's size.</param>
/// <param name="Duration">How long it stays open.</param>
public readonly record struct LabelledRequest(TimeSpan At, TrafficLabel Label, int Episode, string? Client, string Address, bool Read, int Status, int BodyBytes, TimeSpan Duration);

/// <summary>One attack episode of the mix.</summary>
/// <param name="Id">Its number.</param>
/// <param name="Label">The attack.</param>
/// <param name="Wave">1 for the first encounter, 2 for the return of the same attacker (same network, same key).</param>
/// <param name="Start">When it starts.</param>
/// <param name="Client">The key it uses, or null.</param>
/// <param name="Address">Its source address.</param>
/// <param name="Slow">A slow variant: a compromised key used at under one request a second (its errors build up slowly).</param>
public sealed record AttackEpisode(int Id, TrafficLabel Label, int Wave, TimeSpan Start, string? Client, string Address, bool Slow = false);
