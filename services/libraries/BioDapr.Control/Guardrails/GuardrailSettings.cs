using System.ComponentModel.DataAnnotations;

namespace BioDapr.Control.Guardrails;

/// <summary>The limits the cortex never crosses, whatever its agent decides (configuration section <c>Cortex:Guardrails</c>).</summary>
public sealed record GuardrailSettings
{
    /// <summary>Smallest concurrency limit the cortex may set.</summary>
    [Range(1, 100_000)]
    public int MinConcurrencyLimit { get; init; } = 2;

    /// <summary>Largest concurrency limit the cortex may set.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrencyLimit { get; init; } = 1_000;

    /// <summary>Shortest attempt timeout the cortex may set, ms.</summary>
    [Range(1, 60_000)]
    public int MinTimeoutMs { get; init; } = 5;

    /// <summary>Longest attempt timeout the cortex may set, ms.</summary>
    [Range(1, 60_000)]
    public int MaxTimeoutMs { get; init; } = 10_000;

    /// <summary>Most retries per call the cortex may set.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; init; } = 3;

    /// <summary>
    /// Largest retry budget the cortex may set, percent of calls: 15 %, so that with the budget spread over
    /// the seconds (<see cref="SmoothRetryBudget"/>) retries add at most about 0.15 to each second's calls,
    /// under the amplification target of 1.2 with room for the floor. (10 % before the smoothing: the
    /// window's allowance was spent in bursts.)
    /// </summary>
    [Range(0.0, 100.0)]
    public double MaxRetryBudgetPercent { get; init; } = 15;

    /// <summary>Largest retry-budget floor (retries per second allowed whatever the call rate) the cortex may leave in force.</summary>
    [Range(0.0, 1_000.0)]
    public double MaxRetryBudgetMinPerSecond { get; init; } = 1;

    /// <summary>
    /// The retry governor's trigger: when a window's attempts exceed this many per call (a burst the
    /// budget's 10-second window and floor let through), the next <see cref="GovernorHold"/> decisions allow
    /// at most one retry out of <see cref="GovernedRetryBudgetPercent"/> with a floor of one retry a second.
    /// </summary>
    [Range(1.0, 10.0)]
    public double MaxAmplification { get; init; } = 1.2;

    /// <summary>How many decisions the retry governor holds the retry head down after an amplified window (the retry budget's window is 10 s).</summary>
    [Range(1, 10_000)]
    public int GovernorHold { get; init; } = 10;

    /// <summary>
    /// Whether the guard spreads the retry budget over the seconds (default): each decision sets the
    /// percentage so that the budget's 10-second window, with the retries already in it, leaves room for
    /// about the capped share of the next second's calls, instead of an allowance saved up in calm seconds
    /// being spent in one burst when failures start.
    /// </summary>
    public bool SmoothRetryBudget { get; init; } = true;

    /// <summary>
    /// Whether the guard holds the agent's limit cuts while the target shows no congestion (default; see
    /// <see cref="GuardedController.HealthyFloor"/>): a slower dependency raises the round-trip time with no
    /// queue anywhere, and a cut made on that alone sheds calls the target would have answered in time.
    /// </summary>
    public bool HoldCutsWithoutCongestion { get; init; } = true;

    /// <summary>
    /// The share of calls a held cut may shed at most, as the limiter's blocking probability at the offered
    /// concurrency (Erlang B): the floor is the smallest limit that sheds no more than this share of calls
    /// arriving at random while the target serves them at the window's round-trip time.
    /// </summary>
    [Range(1e-6, 0.5)]
    public double CutHoldShedShare { get; init; } = 0.001;

    /// <summary>
    /// Whether the guard raises a shedding limit in front of a healthy target that the pathway alone calls
    /// (default; see <see cref="GuardedController.ShedRaise"/>): a limit right-sized in calm seconds binds
    /// when the target gets slower, and the agent's Gradient2 base never raises it on a longer round-trip time.
    /// </summary>
    public bool RaiseShedWithoutCongestion { get; init; } = true;

    /// <summary>The share of a window's calls its limiter must shed before the shed raise applies.</summary>
    [Range(0.0, 1.0)]
    public double ShedRaiseMinShare { get; init; } = 0.01;

    /// <summary>
    /// How much the goodput a second must grow in the window after a shed raise for the raise to stand (0.05:
    /// 5 %); below it the target had no room, the raise is undone and the next waits a cool-down.
    /// </summary>
    [Range(0.0, 10.0)]
    public double ShedRaiseMinGain { get; init; } = 0.05;

    /// <summary>
    /// Whether the guard keeps room for calls that hold the limit's slots far longer than the median call
    /// (default; see <see cref="GuardedController.HeldSlotFloor"/>): a slow replica behind a load balancer, whose
    /// calls wait until they time out or are abandoned while the other replicas answer fast. Its calls fill the
    /// limit, so a limit sized for the fast calls sheds calls the fast replicas would have answered in time.
    /// </summary>
    public bool KeepRoomForHeldSlots { get; init; } = true;

    /// <summary>
    /// How many times the concurrency the window's calls need at their median round-trip time (Little's law) the
    /// calls in flight must reach before the guard reads them as held slots (a long tail on some calls, not congestion).
    /// </summary>
    [Range(1.0, 1000.0)]
    public double HeldSlotRatio { get; init; } = 3;

    /// <summary>The retry budget, percent of calls, the governor leaves after an amplification above <see cref="MaxAmplification"/>.</summary>
    [Range(0.0, 100.0)]
    public double GovernedRetryBudgetPercent { get; init; } = 10;

    /// <summary>The latency objective, ms, against which the live estimates of the fallbacks judge a target's room for more calls and the calls' lateness.</summary>
    [Range(1, 600_000)]
    public double LatencyObjectiveMs { get; init; } = 250;

    /// <summary>Shortest breaker break time the cortex may set, ms.</summary>
    [Range(100, 600_000)]
    public int MinBreakerBreakMs { get; init; } = 500;

    /// <summary>Longest breaker break time the cortex may set, ms.</summary>
    [Range(100, 600_000)]
    public int MaxBreakerBreakMs { get; init; } = 30_000;

    /// <summary>The most hedges a call may send (0: the cortex may not hedge).</summary>
    public int MaxHedges { get; init; } = 1;

    /// <summary>The shortest hedge delay: below it a hedge would double nearly every call.</summary>
    public int MinHedgeDelayMs { get; init; } = 5;

    /// <summary>The most a value may grow (or shrink, as its inverse) in one decision.</summary>
    [Range(1.0, 100.0)]
    public double MaxStepFactor { get; init; } = 1.5;

    /// <summary>
    /// Reward (goodput share: calls answered within the objective) a fallback is assumed to reach before one
    /// has run. 0 by default: no assumption, only the live estimates and measured rewards count (under
    /// overload every controller's goodput share falls, so an assumed value would blame the agent for the load).
    /// </summary>
    [Range(0.0, 1.0)]
    public double InitialSafeReward { get; init; }

    /// <summary>How far the agent's smoothed reward may fall below a fallback's measured reward before it is replaced.</summary>
    [Range(0.0, 1.0)]
    public double FallbackMargin { get; init; } = 0.1;

    /// <summary>
    /// How far the agent's smoothed reward may fall below the best smoothed live estimate of a fallback's
    /// (<see cref="GuardedController.SafeEstimate"/>) before it is replaced; also the lead another fallback
    /// needs over the one in charge to replace it.
    /// </summary>
    [Range(0.0, 1.0)]
    public double LiveFallbackMargin { get; init; } = 0.03;

    /// <summary>Consecutive decisions behind before falling back.</summary>
    [Range(1, 10_000)]
    public int FallbackPatience { get; init; } = 5;

    /// <summary>Decisions the safe controller keeps control after a fallback.</summary>
    [Range(1, 100_000)]
    public int FallbackCooldown { get; init; } = 30;

    /// <summary>Weight of the newest window in the smoothed rewards.</summary>
    [Range(0.01, 1.0)]
    public double RewardSmoothing { get; init; } = 0.2;

    /// <summary>Checks the settings; returns the violations (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var errors = results.Select(r => r.ErrorMessage ?? "invalid value").ToList();
        if (MinConcurrencyLimit > MaxConcurrencyLimit)
        {
            errors.Add($"MinConcurrencyLimit ({MinConcurrencyLimit}) must not exceed MaxConcurrencyLimit ({MaxConcurrencyLimit})");
        }

        if (MinTimeoutMs > MaxTimeoutMs)
        {
            errors.Add($"MinTimeoutMs ({MinTimeoutMs}) must not exceed MaxTimeoutMs ({MaxTimeoutMs})");
        }

        if (MinBreakerBreakMs > MaxBreakerBreakMs)
        {
            errors.Add($"MinBreakerBreakMs ({MinBreakerBreakMs}) must not exceed MaxBreakerBreakMs ({MaxBreakerBreakMs})");
        }

        return errors;
    }
}
