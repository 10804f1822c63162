using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Learning;

/// <summary>What the agent remembers about one pathway between decisions (kept in its actor's state live).</summary>
/// <param name="BaselineRttMs">The pathway's latency when calm: a slowly rising minimum of the window medians (0 until the first success).</param>
/// <param name="Limit">The concurrency limit as a real number (the hormone is its rounding), so small steps accumulate.</param>
/// <param name="TimeoutMs">The attempt timeout as a real number.</param>
public sealed record AgentMemory(double BaselineRttMs, double Limit, double TimeoutMs)
{
    /// <summary>The last two windows' success share and p99 ÷ SLO, newest first (the short history).</summary>
    public float[] History { get; init; } = [1, 0, 1, 0];

    /// <summary>Memory for a pathway currently at <paramref name="current"/>.</summary>
    public static AgentMemory For(PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new AgentMemory(0, current.ConcurrencyLimit, current.TimeoutMs);
    }
}

/// <summary>Signals from the pathways around the one deciding (their last windows).</summary>
/// <param name="DownstreamTrouble">The worst share of failed or shed calls on the target's own outgoing pathways.</param>
/// <param name="DownstreamP99OverSlo">The worst p99 ÷ SLO on the target's outgoing pathways.</param>
/// <param name="SiblingTrouble">The worst share of failed or shed calls of other callers of the same target.</param>
public readonly record struct NeighbourSignals(double DownstreamTrouble, double DownstreamP99OverSlo, double SiblingTrouble)
{
    /// <summary>No neighbours (or none seen yet).</summary>
    public static NeighbourSignals None => default;
}

/// <summary>
/// The learning agent of one pathway: turns a window of vital signs into features, asks the model for
/// an action, and maps the action to hormones. The agent learns a <b>residual</b>: action 0 scales the
/// limit Gradient2 would set (<c>limit = g2 × e^(0.5·a₀)</c>), so the untrained agent (a ≈ 0) is
/// Gradient2; a cut below it (a₀ &lt; 0) is scaled by <see cref="Congestion"/>, so the agent cannot shed
/// calls a slower but healthy backend would have served; the timeout moves by <c>× e^(0.25·a₁)</c> a decision; the retries
/// (<c>2 + round(1.5·a₂)</c>, 0–3), the retry budget (<c>20 % × e^(1.5·a₃)</c>) and the breaker's break
/// time (<c>5 s × e^(1.5·a₄)</c>) are set around BioDapr's defaults; hedging is a rule on the window
/// (<see cref="Hedging"/>). Actions are clipped to ±1. Pure:
/// the caller keeps the memory (a dictionary in the simulator, actor state in the live cortex).
/// </summary>
public static class PathwayAgent
{
    /// <summary>The largest residual on Gradient2's limit, as a log factor.</summary>
    public const float LimitScale = 0.5f;

    /// <summary>The largest timeout step per decision, as a log factor.</summary>
    public const float TimeoutScale = 0.25f;

    /// <summary>Names of the observation features, in order (recorded in the weights file).</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "successShare", "shedShare", "failureShare", "timeoutShare", "latencyInflation",
        "p99OverSlo", "queueDelayOverSlo", "utilisation", "logLimit", "timeoutHeadroom",
        "amplification", "logRate", "downstreamTrouble", "downstreamP99OverSlo", "siblingTrouble",
        "gradient2Step", "successShare-1", "p99OverSlo-1", "successShare-2", "p99OverSlo-2",
        "retries", "logBreak", "offeredOverLimit", "congestion",
    ];

    /// <summary>Names of the action dimensions, in order.</summary>
    public static IReadOnlyList<string> ActionNames { get; } = ["limitResidual", "timeoutStep", "retries", "retryBudget", "breakerBreak"];

    /// <summary>The hormones the agent starts a pathway with.</summary>
    public static PathwayHormones InitialHormones { get; } = PathwayHormones.Default with { ConcurrencyLimit = 20 };

    /// <summary>Builds the observation for <paramref name="window"/> (and updates the latency baseline).</summary>
    public static (float[] Observation, double Baseline) Observe(PathwayWindow window, PathwayHormones current, AgentMemory memory, double sloMs, NeighbourSignals neighbours, double gradient2Limit)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sloMs, 0);
        var baseline = memory.BaselineRttMs;
        if (window.Successes > 0 && window.RttP50Ms > 0)
        {
            // A minimum that forgets slowly (1 % a window), so a lasting change of the calm latency is learned.
            baseline = baseline <= 0 ? window.RttP50Ms : Math.Min(window.RttP50Ms, baseline * 1.01);
        }

        var inflation = window.Successes > 0 && baseline > 0 ? Math.Clamp(Math.Log(Math.Max(window.RttP50Ms, 1e-3) / baseline), 0, 3) / 3 : 0;
        var p99 = window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms;
        var headroom = p99 > 0 ? Math.Clamp(Math.Log(current.TimeoutMs / p99), -3, 5) / 5 : 1;
        var history = memory.History is { Length: 4 } known ? known : [1, 0, 1, 0];
        var observation = new[]
        {
            SuccessShare(window),
            (float)Share(window.Rejected, window.Calls),
            (float)Share(window.Failures, window.Calls),
            (float)Share(window.Timeouts, window.Attempts),
            (float)inflation,
            P99OverSlo(window, sloMs),
            (float)(Math.Clamp(window.QueueDelayMs / sloMs, 0, 2) / 2),
            (float)(Math.Clamp((double)Math.Max(window.MaxInFlight, window.InFlight) / current.ConcurrencyLimit, 0, 2) / 2),
            (float)(Math.Log(current.ConcurrencyLimit) / Math.Log(1000)),
            (float)headroom,
            (float)Math.Clamp(window.Amplification - 1, 0, 2),
            (float)(Math.Log(1 + (window.Calls / Math.Max(window.Seconds, 1e-3))) / 8),
            (float)Math.Clamp(neighbours.DownstreamTrouble, 0, 1),
            (float)(Math.Clamp(neighbours.DownstreamP99OverSlo, 0, 4) / 4),
            (float)Math.Clamp(neighbours.SiblingTrouble, 0, 1),
            (float)Math.Clamp(Math.Log(Math.Max(gradient2Limit, 1) / current.ConcurrencyLimit), -1, 1),
            history[0], history[1], history[2], history[3],
            current.MaxRetries / 3f,
            (float)(Math.Log(Math.Max(current.BreakerBreakMs, 1) / 500.0) / Math.Log(120)),
            (float)OfferedOverLimit(window, current.ConcurrencyLimit),
            (float)Congestion(window, sloMs),
        };
        return (observation, baseline);
    }

    /// <summary>
    /// Applies <paramref name="action"/> to the current hormones around Gradient2's limit (bounds are the
    /// guardrails' job, plus the hormone ranges); returns the next hormones and the memory to keep.
    /// </summary>
    public static (PathwayHormones Next, AgentMemory Memory) Act(ReadOnlySpan<float> action, PathwayHormones current, AgentMemory memory, double baseline, double gradient2Limit, PathwayWindow window, double sloMs)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(window);
        if (action.Length != ActionNames.Count)
        {
            throw new ArgumentException($"expected {ActionNames.Count} action values, got {action.Length}", nameof(action));
        }

        var a = new float[action.Length];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = float.IsFinite(action[i]) ? Math.Clamp(action[i], -1f, 1f) : 0f;
        }

        float A(int i) => a[i];

        // Someone else changed the timeout (an operator, the fallback controller): start from its value.
        var timeout = (int)Math.Round(memory.TimeoutMs) == current.TimeoutMs ? memory.TimeoutMs : current.TimeoutMs;
        // Shedding below Gradient2 needs evidence that the target is congested: a cut is scaled by it, so a
        // slower but healthy backend (higher round-trip time, no queue, no timeouts) keeps Gradient2's limit.
        var residual = A(0) < 0 ? A(0) * (float)Congestion(window, sloMs) : A(0);
        var limit = Math.Clamp(Math.Max(gradient2Limit, 1) * Math.Exp(LimitScale * residual), 1, 100_000);
        timeout = Math.Clamp(timeout * Math.Exp(TimeoutScale * A(1)), 1, 60_000);
        var next = current with
        {
            ConcurrencyLimit = Math.Max(1, (int)Math.Round(limit)),
            TimeoutMs = Math.Max(1, (int)Math.Round(timeout)),
            MaxRetries = Math.Clamp(PathwayHormones.DefaultMaxRetries + (int)Math.Round(1.5 * A(2)), 0, 3),
            RetryBudgetPercent = Math.Round(Math.Clamp(PathwayHormones.DefaultRetryBudgetPercent * Math.Exp(1.5 * A(3)), 1, 100), 1),
            BreakerBreakMs = (int)Math.Round(Math.Clamp(PathwayHormones.DefaultBreakerBreakMs * Math.Exp(1.5 * A(4)), 500, 60_000)),
        };
        var (hedgeDelayMs, maxHedges) = Hedging(window, current, sloMs);
        next = next with { HedgeDelayMs = hedgeDelayMs, MaxHedges = maxHedges };
        var history = memory.History is { Length: 4 } known ? known : [1, 0, 1, 0];
        return (next, new AgentMemory(baseline, limit, timeout) { History = [SuccessShare(window), P99OverSlo(window, sloMs), history[0], history[1]] });
    }

    /// <summary>A tail is "long" when the p99 is at least this many times the median.</summary>
    public const double HedgeTailRatio = 4;

    /// <summary>
    /// Hedging, a rule (not a network output, so the trained weights stay valid): one hedge after twice the
    /// median when the window shows slow answers that are not congestion, i.e. a fast body (p50 ≤ ¼ of the
    /// objective) with a long tail (p99 ≥ <see cref="HedgeTailRatio"/> × p50, and above half the objective),
    /// few timeouts (&lt; 5 % of attempts) and little shedding (&lt; 1 % of calls): some replicas or some
    /// requests are slow while the rest answer fast, the case a hedge to another replica fixes. A congested
    /// target (a long queue makes every answer slow, so the body is slow too, or attempts time out) gets no
    /// hedge, which would only add load. Once on, hedging stays while the window still needed extra attempts
    /// (≥ 3 % of calls), since hedges hide the tail they cut. The delay is 2 × p50 between 5 ms and 40 % of
    /// the objective. Hedges are paid from the retry budget, so the guard's budget bounds them.
    /// </summary>
    public static (int HedgeDelayMs, int MaxHedges) Hedging(PathwayWindow window, PathwayHormones current, double sloMs)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sloMs, 0);
        if (window.Calls == 0 || window.Successes == 0 || window.RttP50Ms <= 0)
        {
            // Nothing to judge by: keep what is set.
            return (current.HedgeDelayMs, current.MaxHedges);
        }

        var p50 = window.RttP50Ms;
        var p99 = window.RttP99Ms > 0 ? window.RttP99Ms : p50;
        var healthy = Share(window.Timeouts, window.Attempts) < 0.05 && Share(window.Rejected, window.Calls) < 0.01 && p50 <= 0.25 * sloMs;
        var longTail = p99 >= HedgeTailRatio * p50 && p99 > 0.5 * sloMs;
        var stillNeeded = current.HedgingEnabled && window.Amplification - 1 >= 0.03;
        if (!healthy || !(longTail || stillNeeded))
        {
            return (0, 0);
        }

        var delay = (int)Math.Round(Math.Clamp(2 * p50, 5, Math.Max(5, 0.4 * sloMs)));
        return (Math.Min(delay, Math.Max(1, current.TimeoutMs / 2)), 1);
    }

    /// <summary>
    /// The concurrency the window's calls asked for at their round-trip time (Little's law: call rate × p50)
    /// over the limit, as log₈ clamped to ±1: above 0 the limit, not the target, is what holds calls back.
    /// </summary>
    public static double OfferedOverLimit(PathwayWindow window, int limit)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Calls == 0 || window.Seconds <= 0 || window.RttP50Ms <= 0)
        {
            return 0;
        }

        var offered = window.Calls / window.Seconds * window.RttP50Ms / 1000.0;
        return Math.Clamp(Math.Log(Math.Max(offered, 1e-3) / Math.Max(1, limit)) / Math.Log(8), -1, 1);
    }

    /// <summary>
    /// Evidence, 0–1, that the target is congested or failing rather than merely slow: the p99, less the
    /// mean wait in this pathway's own limiter queue, nearing the latency objective (0 below 40 %, 1 at
    /// 80 %), attempts timing out (1 at 10 %) or failing (1 at 20 %).
    /// A backend that got slower with room to spare scores 0.
    /// </summary>
    public static double Congestion(PathwayWindow window, double sloMs)
    {
        ArgumentNullException.ThrowIfNull(window);
        // The time calls waited in this pathway's own limiter queue is the limit's doing, not the target's.
        var p99 = Math.Max(0, (window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms) - window.QueueDelayMs);
        var latency = ((p99 / sloMs) - 0.4) / 0.4;
        var timeouts = 10 * Share(window.Timeouts, window.Attempts);
        var failures = 5 * Share(window.Failures, window.Calls);
        return Math.Clamp(Math.Max(latency, Math.Max(timeouts, failures)), 0, 1);
    }

    private static double Share(long part, long whole) => whole <= 0 ? 0 : Math.Clamp((double)part / whole, 0, 1);

    private static float SuccessShare(PathwayWindow window) => window.Calls == 0 ? 1f : (float)Share(window.Successes, window.Calls);

    private static float P99OverSlo(PathwayWindow window, double sloMs)
    {
        var p99 = window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms;
        return (float)(Math.Clamp(p99 / sloMs, 0, 4) / 4);
    }
}
