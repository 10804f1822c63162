namespace BioDapr.Simulation.Evaluation;

/// <summary>The figures of one run (one controller, one seed) on one scenario.</summary>
/// <param name="Controller">The controller's name.</param>
/// <param name="Seed">The seed of the run.</param>
/// <param name="Efficiency">Goodput within the SLO ÷ the oracle bound, over the whole run.</param>
/// <param name="Goodput">Requests that succeeded within the SLO.</param>
/// <param name="Oracle">The oracle bound (requests).</param>
/// <param name="P99Ms">p99 latency of all requests (failures at their latency, abandoned ones at the client deadline).</param>
/// <param name="ViolatingShare">Share of one-second windows whose goodput fell more than 1 % short of the oracle bound.</param>
/// <param name="AmplificationP95">95th percentile over decision windows of attempts ÷ calls, on the worst pathway.</param>
/// <param name="MaxRecoverySeconds">The longest recovery after a disturbance (null when none was measurable).</param>
/// <param name="Unrecovered">Disturbances after which goodput did not come back before the next phase ended.</param>
/// <param name="Phases">Per-phase figures.</param>
/// <param name="Timeline">Per-second points for plots.</param>
public sealed record RunReport(
    string Controller,
    int Seed,
    double Efficiency,
    long Goodput,
    double Oracle,
    double P99Ms,
    double ViolatingShare,
    double AmplificationP95,
    double? MaxRecoverySeconds,
    int Unrecovered,
    IReadOnlyList<PhaseReport> Phases,
    IReadOnlyList<TimelinePoint> Timeline);

/// <summary>The figures of one phase of a run.</summary>
/// <param name="Phase">The phase's name.</param>
/// <param name="Arrivals">Requests that arrived.</param>
/// <param name="Goodput">Requests that succeeded within the SLO.</param>
/// <param name="Oracle">The oracle bound (requests).</param>
/// <param name="Efficiency">Goodput ÷ oracle (null when the oracle is 0, e.g. a full outage).</param>
/// <param name="P99Ms">p99 latency of the phase's requests.</param>
/// <param name="ViolatingShare">Share of the phase's windows that broke the SLO.</param>
/// <param name="Disturbance">Whether the phase is a fault or an overload.</param>
/// <param name="RecoverySeconds">Seconds after the phase ended until goodput held ≥ 90 % of the bound for 3 s (null when not measurable: no disturbance, or another one follows).</param>
/// <param name="Recovered">False when goodput did not come back before the next phase ended (the recovery is then that phase's length).</param>
public sealed record PhaseReport(
    string Phase,
    long Arrivals,
    long Goodput,
    double Oracle,
    double? Efficiency,
    double P99Ms,
    double ViolatingShare,
    bool Disturbance,
    double? RecoverySeconds,
    bool Recovered);

/// <summary>One second of a run, for plots.</summary>
/// <param name="Second">Seconds since the start.</param>
/// <param name="Arrivals">Requests that arrived.</param>
/// <param name="Goodput">Of those, successes within the SLO.</param>
/// <param name="Oracle">The bound for that second.</param>
/// <param name="P99Ms">p99 latency of that second's requests.</param>
/// <param name="Limits">Concurrency limit per pathway in force during that second.</param>
/// <param name="TimeoutsMs">Attempt timeout per pathway in force during that second.</param>
public sealed record TimelinePoint(int Second, int Arrivals, int Goodput, double Oracle, double P99Ms, IReadOnlyDictionary<string, int> Limits, IReadOnlyDictionary<string, int> TimeoutsMs);
