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

    /// <inheritdoc />
    public string Name => primary.Name;

    /// <summary>The guard state of a pathway (for persistence and diagnostics).</summary>
    public GuardState StateOf(string pathway) => _state.TryGetValue(pathway, out var state) ? state : GuardState.Initial(settings);

    /// <summary>Restores a pathway's guard state (after an actor reactivation).</summary>
    public void Restore(string pathway, GuardState state) => _state[pathway] = state ?? throw new ArgumentNullException(nameof(state));

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => Bound(primary.Initial(pathway), null).Hormones;

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
        var reward = window.Calls == 0 ? (double?)null : (double)window.Successes / window.Calls;
        state = state.Observe(reward, settings);
        string reason;
        PathwayHormones proposed;
        if (state.SafeFor > 0)
        {
            proposed = safe.Decide(pathway, window, current);
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

        _state[pathway] = state;
        var (bounded, notes) = Bound(proposed, current);
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

    private (PathwayHormones Hormones, List<string> Notes) Bound(PathwayHormones proposed, PathwayHormones? current)
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
        if (limitBounded != limit || timeoutBounded != timeout || retries != proposed.MaxRetries || budget != proposed.RetryBudgetPercent || breakBounded != breakMs)
        {
            notes.Add("bounded");
        }

        var bounded = proposed with
        {
            ConcurrencyLimit = limitBounded,
            TimeoutMs = timeoutBounded,
            MaxRetries = retries,
            RetryBudgetPercent = budget,
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
public sealed record GuardState(double AgentReward, double SafeReward, int Behind, int SafeFor, string? FallbackReason)
{
    /// <summary>The state before any decision.</summary>
    public static GuardState Initial(GuardrailSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new GuardState(1, settings.InitialSafeReward, 0, 0, null);
    }

    /// <summary>Folds one window's reward in (null: no calls, nothing to learn) and decides whether to fall back.</summary>
    public GuardState Observe(double? reward, GuardrailSettings settings)
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
        var behind = agent < SafeReward - settings.FallbackMargin ? Behind + 1 : 0;
        if (behind >= settings.FallbackPatience)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"fallback: agent reward {agent:F2} behind safe {SafeReward:F2} for {behind} decisions");
            // Start the agent afresh after the cool-down, level with the safe controller.
            return new GuardState(SafeReward, SafeReward, 0, settings.FallbackCooldown, reason);
        }

        return this with { AgentReward = agent, Behind = behind };
    }
}
