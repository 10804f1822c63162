using System.Globalization;
using System.Text.Json;
using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Guardrails;

/// <summary>
/// The cortex's safety net around its agent (<paramref name="primary"/>): a freeze switch that stops
/// every change, value bounds and a maximum step per decision on the concurrency limit and the timeout,
/// and an automatic fallback to <paramref name="safe"/> when the agent's smoothed reward (the share of
/// calls that succeeded) falls more than a margin behind the safe controller's for several decisions
/// in a row; control returns to the agent after a cool-down. Every change it lets through is reported
/// to <paramref name="audit"/> with the reason. State is per pathway and can be exported and restored
/// (the live cortex keeps it in each pathway's actor).
/// </summary>
public sealed class GuardedController(
    IPathwayController primary,
    IPathwayController safe,
    GuardrailSettings settings,
    Func<bool>? frozen = null,
    Action<HormoneChange>? audit = null,
    TimeProvider? time = null) : IPathwayController
{
    private readonly Dictionary<string, GuardState> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PathwayHormones> _shadow = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name => primary.Name;

    /// <summary>The guard state of a pathway (for persistence and diagnostics).</summary>
    public GuardState StateOf(string pathway) => _state.TryGetValue(pathway, out var state) ? state : GuardState.Initial(settings);

    /// <summary>Restores a pathway's guard state (after an actor reactivation).</summary>
    public void Restore(string pathway, GuardState state) => _state[pathway] = state ?? throw new ArgumentNullException(nameof(state));

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => Bound(primary.Initial(pathway), null, false).Hormones;

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        if (frozen?.Invoke() == true)
        {
            return current;
        }

        var state = StateOf(pathway);
        // The safe controller runs every window on its own previous choice (a shadow), so the guard always
        // knows what it would hold now, and a fallback continues from there instead of from the agent's values.
        var shadow = _shadow.GetValueOrDefault(pathway, current);
        var reward = window.Calls == 0 ? (double?)null : (double)window.Successes / window.Calls;
        var estimate = SafeEstimate(window, current, shadow, settings);
        state = state.Observe(reward, estimate, settings);
        var safeNext = safe.Decide(pathway, window, shadow);
        _shadow[pathway] = safeNext;
        string reason;
        PathwayHormones proposed;
        if (state.SafeFor > 0)
        {
            proposed = safeNext;
            reason = state.FallbackReason ?? $"fallback to {safe.Name}";
            state = state with { SafeFor = state.SafeFor - 1 };
            // Keep the agent's own memory in step with what is in force.
            primary.Decide(pathway, window, current);
        }
        else
        {
            proposed = primary.Decide(pathway, window, current);
            reason = primary.Name;
        }

        // The retry governor: after a window whose attempts ran above the amplification the cortex may
        // cause, it holds the retry head down for a budget window (10 decisions), so the budget's allowance
        // does not refill and burst again the moment the amplification dips.
        var governedFor = window.Calls > 0 && window.Amplification > settings.MaxAmplification ? settings.GovernorHold : Math.Max(0, state.GovernedFor - 1);
        state = state with { GovernedFor = governedFor };
        _state[pathway] = state;
        var (bounded, notes) = Bound(proposed, current, governedFor > 0);
        if (notes.Count > 0)
        {
            reason += "; " + string.Join(", ", notes);
        }

        if (audit is not null)
        {
            var at = (time ?? TimeProvider.System).GetUtcNow();
            foreach (var (hormone, before, after) in Differences(current, bounded))
            {
                audit(new HormoneChange(pathway, hormone, before, after, reason, at));
            }
        }

        return bounded;
    }

    /// <summary>
    /// A live estimate of the share of calls that would have succeeded in <paramref name="window"/> had the
    /// safe controller's <paramref name="shadow"/> limit been in force instead of <paramref name="current"/>
    /// (null without calls). Only shedding is credited: when the agent held a lower limit than the safe
    /// controller and its limiter shed calls, the safe controller would have admitted about
    /// <c>admitted × (shadow ÷ current − 1)</c> more of them (Little's law at an unchanged round-trip time),
    /// and they succeed like the admitted ones did, scaled by how healthy the target looks (latency room under
    /// the objective, no timeouts): a slow but healthy backend earns the full credit, a queueing or failing
    /// one none, since admitting more there would not have raised goodput. When the safe controller holds
    /// the same or a lower limit, the estimate is the agent's own reward (no evidence either way).
    /// </summary>
    public static double? SafeEstimate(PathwayWindow window, PathwayHormones current, PathwayHormones shadow, GuardrailSettings settings)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(shadow);
        ArgumentNullException.ThrowIfNull(settings);
        if (window.Calls <= 0)
        {
            return null;
        }

        double calls = window.Calls;
        var successes = (double)Math.Clamp(window.Successes, 0, window.Calls);
        var rejected = (double)Math.Clamp(window.Rejected, 0, window.Calls);
        var admitted = calls - rejected;
        if (rejected <= 0 || admitted <= 0 || shadow.ConcurrencyLimit <= current.ConcurrencyLimit)
        {
            return successes / calls;
        }

        var extra = Math.Min(rejected, admitted * (((double)shadow.ConcurrencyLimit / Math.Max(1, current.ConcurrencyLimit)) - 1));
        return Math.Min(1, (successes + (extra * (successes / admitted) * TargetHealth(window, settings.LatencyObjectiveMs))) / calls);
    }

    /// <summary>
    /// How much room the target has for more calls, 0–1: 1 while the window's p99 (less the mean wait in the
    /// pathway's own limiter queue, which a higher limit removes) stays under half the
    /// latency objective and nothing timed out, falling to 0 as the p99 nears the objective or as more than
    /// 10 % of the attempts time out.
    /// </summary>
    public static double TargetHealth(PathwayWindow window, double latencyObjectiveMs)
    {
        ArgumentNullException.ThrowIfNull(window);
        var p99 = Math.Max(0, (window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms) - window.QueueDelayMs);
        var latencyRoom = Math.Clamp(2 * (1 - (p99 / Math.Max(1, latencyObjectiveMs))), 0, 1);
        var timeoutShare = window.Attempts > 0 ? (double)window.Timeouts / window.Attempts : 0;
        return latencyRoom * Math.Clamp(1 - (10 * timeoutShare), 0, 1);
    }

    /// <summary>The hormones that differ between two snapshots, as (key suffix, old, new) strings; the suffix is the camelCase property name, as the cells bind it.</summary>
    public static IEnumerable<(string Hormone, string Old, string New)> Differences(PathwayHormones before, PathwayHormones after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return Values(before).Zip(Values(after))
            .Where(pair => pair.First.Value != pair.Second.Value)
            .Select(pair => (pair.First.Hormone, pair.First.Value, pair.Second.Value));
    }

    /// <summary>Every hormone of a snapshot as (key suffix, value) strings, in the form the cells parse (camelCase names, invariant culture).</summary>
    public static IEnumerable<(string Hormone, string Value)> Values(PathwayHormones hormones)
    {
        ArgumentNullException.ThrowIfNull(hormones);
        return typeof(PathwayHormones).GetProperties().Where(p => p.CanWrite)
            .Select(p => (JsonNamingPolicy.CamelCase.ConvertName(p.Name), Format(p.GetValue(hormones))));
    }

    private static string Format(object? value) => value switch
    {
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? string.Empty,
    };

    private (PathwayHormones Hormones, List<string> Notes) Bound(PathwayHormones proposed, PathwayHormones? current, bool governed)
    {
        var notes = new List<string>();
        var limit = proposed.ConcurrencyLimit;
        var timeout = proposed.TimeoutMs;
        if (current is not null)
        {
            var (limitStep, timeoutStep) = (Step(current.ConcurrencyLimit, limit), Step(current.TimeoutMs, timeout));
            if (limitStep != limit || timeoutStep != timeout)
            {
                notes.Add("step limited");
            }

            (limit, timeout) = (limitStep, timeoutStep);
        }

        var limitBounded = Math.Clamp(limit, settings.MinConcurrencyLimit, settings.MaxConcurrencyLimit);
        var timeoutBounded = Math.Clamp(timeout, settings.MinTimeoutMs, settings.MaxTimeoutMs);
        var retries = Math.Clamp(proposed.MaxRetries, 0, settings.MaxRetries);
        var budget = Math.Clamp(proposed.RetryBudgetPercent, 0, settings.MaxRetryBudgetPercent);
        var budgetFloor = Math.Clamp(proposed.RetryBudgetMinPerSecond, 0, settings.MaxRetryBudgetMinPerSecond);
        if (governed)
        {
            // The retry governor: attempts ran above the amplification the cortex may cause; whatever was
            // proposed, the next window gets at most one retry out of a small budget.
            (retries, budget, budgetFloor) = (Math.Min(retries, 1), Math.Min(budget, settings.GovernedRetryBudgetPercent), Math.Min(budgetFloor, 1));
            notes.Add("retry governor");
        }

        var breakMs = proposed.BreakerBreakMs;
        if (current is not null && breakMs != current.BreakerBreakMs)
        {
            var stepped = Step(current.BreakerBreakMs, breakMs);
            if (stepped != breakMs && !notes.Contains("step limited"))
            {
                notes.Add("step limited");
            }

            breakMs = stepped;
        }

        var breakBounded = Math.Clamp(breakMs, settings.MinBreakerBreakMs, settings.MaxBreakerBreakMs);
        if (!notes.Contains("retry governor") && (limitBounded != limit || timeoutBounded != timeout || retries != proposed.MaxRetries || budget != proposed.RetryBudgetPercent || budgetFloor != proposed.RetryBudgetMinPerSecond || breakBounded != breakMs))
        {
            notes.Add("bounded");
        }

        var bounded = proposed with
        {
            ConcurrencyLimit = limitBounded,
            TimeoutMs = timeoutBounded,
            MaxRetries = retries,
            RetryBudgetPercent = budget,
            RetryBudgetMinPerSecond = budgetFloor,
            BreakerBreakMs = breakBounded,
        };
        return (bounded.Validate().Count == 0 ? bounded : current ?? PathwayHormones.Default, notes);
    }

    private int Step(int from, int to)
    {
        var up = (int)Math.Ceiling(from * settings.MaxStepFactor);
        var down = (int)Math.Floor(from / settings.MaxStepFactor);
        return Math.Clamp(to, Math.Min(down, from), Math.Max(up, from + 1));
    }
}

/// <summary>A pathway's guard state: the smoothed rewards, how long the agent has been behind, and the fallback in progress.</summary>
/// <param name="AgentReward">Smoothed reward while the agent was in charge.</param>
/// <param name="SafeReward">Smoothed reward while the safe controller was in charge (starts at the configured assumption).</param>
/// <param name="Behind">Consecutive decisions the agent has been behind by more than the margin.</param>
/// <param name="SafeFor">Decisions the safe controller keeps control (0: the agent decides).</param>
/// <param name="FallbackReason">Why the last fallback happened.</param>
/// <param name="LiveSafeReward">Smoothed live estimate of the safe controller's reward in the agent's windows (<see cref="GuardedController.SafeEstimate"/>).</param>
/// <param name="Strikes">Fallbacks in a row without the agent holding its own for a full cool-down since; each doubles the next cool-down (at most 8×).</param>
/// <param name="Calm">Decisions in a row the agent has been in charge without falling behind.</param>
/// <param name="GovernedFor">Decisions the retry governor still holds the retry head down.</param>
public sealed record GuardState(double AgentReward, double SafeReward, int Behind, int SafeFor, string? FallbackReason, double LiveSafeReward = 1, int Strikes = 0, int Calm = 0, int GovernedFor = 0)
{
    /// <summary>The state before any decision.</summary>
    public static GuardState Initial(GuardrailSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new GuardState(1, settings.InitialSafeReward, 0, 0, null);
    }

    /// <summary>
    /// Folds one window's reward in (null: no calls, nothing to learn) with the live estimate of what the
    /// safe controller would have got (<paramref name="safeEstimate"/>), and decides whether to fall back:
    /// the agent is behind when its smoothed reward trails the better of the safe controller's measured
    /// reward and its live estimate by more than the margin.
    /// </summary>
    public GuardState Observe(double? reward, double? safeEstimate, GuardrailSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (reward is not { } value)
        {
            return this;
        }

        var alpha = settings.RewardSmoothing;
        if (SafeFor > 0)
        {
            return this with { SafeReward = SafeReward + (alpha * (value - SafeReward)) };
        }

        var agent = AgentReward + (alpha * (value - AgentReward));
        var live = LiveSafeReward + (alpha * ((safeEstimate ?? value) - LiveSafeReward));
        var measuredGap = SafeReward - agent;
        var liveGap = live - agent;
        var behind = measuredGap > settings.FallbackMargin || liveGap > settings.LiveFallbackMargin ? Behind + 1 : 0;
        if (behind >= settings.FallbackPatience)
        {
            var reason = liveGap > settings.LiveFallbackMargin && liveGap - settings.LiveFallbackMargin >= measuredGap - settings.FallbackMargin
                ? string.Create(CultureInfo.InvariantCulture, $"fallback: agent reward {agent:F2} behind the live estimate for the safe controller {live:F2} for {behind} decisions")
                : string.Create(CultureInfo.InvariantCulture, $"fallback: agent reward {agent:F2} behind safe {SafeReward:F2} for {behind} decisions");
            var strikes = Math.Min(Strikes + 1, 4);
            // Start the agent afresh after the cool-down, level with the safe controller.
            return new GuardState(SafeReward, SafeReward, 0, settings.FallbackCooldown << (strikes - 1), reason, SafeReward, strikes, 0, GovernedFor);
        }

        // A full cool-down's worth of decisions in charge without falling behind clears the strikes.
        var calm = behind == 0 ? Calm + 1 : 0;
        var held = calm >= settings.FallbackCooldown;
        return this with { AgentReward = agent, Behind = behind, LiveSafeReward = live, Strikes = held ? 0 : Strikes, Calm = calm };
    }
}
