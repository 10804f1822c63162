namespace BioDapr.Cortex.Dashboard;

/// <summary>One pathway's one-second window as the page plots it.</summary>
/// <param name="T">When the window closed (Unix milliseconds).</param>
/// <param name="Goodput">Good calls within the SLO per second.</param>
/// <param name="P99">99th percentile latency, ms.</param>
/// <param name="Limit">The concurrency limit in force.</param>
/// <param name="InFlight">Calls in flight when the window closed.</param>
/// <param name="Started">Calls that started in the window.</param>
/// <param name="Ended">Calls that ended in the window (any outcome).</param>
/// <param name="Attempts">Attempts made in the window (first attempts, retries and hedges).</param>
/// <param name="Ok">Usable answers.</param>
/// <param name="ClientErrors">4xx answers.</param>
/// <param name="ServerErrors">5xx answers.</param>
/// <param name="Timeouts">Attempt timeouts.</param>
/// <param name="Transport">Calls that could not reach the target.</param>
/// <param name="BreakerOpen">Calls refused by the open breaker.</param>
/// <param name="Shed">Calls shed by the concurrency limit.</param>
/// <param name="Canceled">Calls the caller gave up on.</param>
/// <param name="Retries">Retries made (failed attempts a retry absorbed: errors the caller did not see).</param>
/// <param name="Health">The pathway's state in the window (<see cref="PathwayHealth"/>): <c>ok</c>, <c>errors</c>, <c>waiting</c> or <c>idle</c>.</param>
public sealed record VitalsPoint(
    long T,
    double Goodput,
    double P99,
    int Limit,
    int InFlight,
    long Started,
    long Ended,
    long Attempts,
    long Ok,
    long ClientErrors,
    long ServerErrors,
    long Timeouts,
    long Transport,
    long BreakerOpen,
    long Shed,
    long Canceled,
    long Retries,
    string Health);

/// <summary>A pathway (service invocation from one cell to another) and its recent windows, oldest first.</summary>
/// <param name="Pathway"><c>cell→target</c>.</param>
/// <param name="Cell">The calling cell.</param>
/// <param name="Target">The called cell.</param>
/// <param name="Points">The recent windows.</param>
public sealed record PathwayView(string Pathway, string Cell, string Target, IReadOnlyList<VitalsPoint> Points);

/// <summary>A cell on the page.</summary>
/// <param name="Cell">Its app id.</param>
/// <param name="Vitals">
/// <c>active</c> (vitals in the last seconds), <c>idle</c> (none lately: cells publish a window only when they had
/// calls, so no traffic and a stopped cell look the same), <c>not seen</c> (none since the cortex started) or
/// <c>none</c> (the cell publishes no vitals).
/// </param>
/// <param name="LastVitals">When its last vitals window closed.</param>
/// <param name="Calls">Requests its endpoints ended in its last window.</param>
/// <param name="ServerErrors">Of which 5xx.</param>
/// <param name="Shed">Of which shed by admission.</param>
/// <param name="Health">Its endpoints' state in its last window (<see cref="PathwayHealth.OfEndpoints"/>): <c>errors</c> (5xx, timeouts), <c>ok</c>, <c>waiting</c> or <c>idle</c>.</param>
public sealed record CellView(string Cell, string Vitals, DateTimeOffset? LastVitals, long Calls, long ServerErrors, long Shed, string Health);

/// <summary>One change of a hormone, with who made it and why.</summary>
/// <param name="Key">The hormone.</param>
/// <param name="Old">The value before (null: it had none).</param>
/// <param name="Value">The value after (null: deleted, back to the cell's default).</param>
/// <param name="Version">The store's version of the value.</param>
/// <param name="By">Who: <c>cortex</c>, <c>cortex evolution</c>, <c>operator:NAME</c>, <c>defaults</c>, or <c>direct store write</c> (nothing recorded).</param>
/// <param name="Reason">Why (the cortex's decision, the operator's action), or empty.</param>
/// <param name="At">When the page saw it.</param>
public sealed record HormoneChangeView(string Key, string? Old, string? Value, string Version, string By, string Reason, DateTimeOffset At);

/// <summary>A hormone in force and its recent history.</summary>
/// <param name="Key">The hormone.</param>
/// <param name="Value">Its value.</param>
/// <param name="Version">Its version.</param>
/// <param name="By">Who wrote it.</param>
/// <param name="Reason">Why.</param>
/// <param name="History">Its recent changes, newest first.</param>
public sealed record HormoneView(string Key, string Value, string Version, string By, string Reason, IReadOnlyList<HormoneChangeView> History);

/// <summary>A quarantine of the gateway's immune layer.</summary>
/// <param name="Target">Whom it holds.</param>
/// <param name="Stage"><c>Throttled</c> or <c>Refused</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="Since">Since when.</param>
/// <param name="ExpiresAt">Until when, unless detected again.</param>
public sealed record QuarantineView(string Target, string Stage, string Reason, DateTimeOffset Since, DateTimeOffset ExpiresAt);

/// <summary>What the page shows, at once.</summary>
/// <param name="At">When.</param>
/// <param name="Cells">The cells.</param>
/// <param name="Pathways">The pathways with their recent windows.</param>
/// <param name="Hormones">Every hormone in force.</param>
/// <param name="Changes">Recent hormone changes, newest first (the cortex's decisions among them).</param>
/// <param name="Quarantines">The immune layer's quarantines in force.</param>
/// <param name="ImmuneError">Why the quarantines could not be read, or null.</param>
public sealed record OrganismSnapshot(
    DateTimeOffset At,
    IReadOnlyList<CellView> Cells,
    IReadOnlyList<PathwayView> Pathways,
    IReadOnlyList<HormoneView> Hormones,
    IReadOnlyList<HormoneChangeView> Changes,
    IReadOnlyList<QuarantineView> Quarantines,
    string? ImmuneError);

/// <summary>An operator's pathogen switch from the page.</summary>
/// <param name="Cell">The cell to infect or heal.</param>
/// <param name="Pathogen"><c>errors</c> (half the requests answer 503), <c>outage</c> (all do), <c>latency</c> (+300 ms), or <c>heal</c> (every pathogen off).</param>
/// <param name="On">Switch it on (true) or off (false); ignored for <c>heal</c>.</param>
public sealed record PathogenSwitch(string? Cell, string? Pathogen, bool On);
