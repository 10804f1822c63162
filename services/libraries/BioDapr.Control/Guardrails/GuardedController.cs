using System.Globalization;
using System.Text.Json;
using BioDapr.Control.Controllers;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Guardrails;

/// <summary>
/// The cortex's safety net around its agent (the primary controller): a freeze switch that stops every
/// change, value bounds and a maximum step per decision, a retry governor, and an automatic fallback to
/// one of several tuned classic controllers (the fallbacks). Every fallback runs every window in the
/// shadow, on its own previous choice, and the guard keeps a smoothed live estimate of the goodput (calls
/// answered within the latency objective) each would have had in the window in force
/// (<see cref="SafeEstimate"/>). When the agent's smoothed goodput share trails the best estimate by more
/// than a margin for several decisions, the fallback with the best estimate takes over for a cool-down;
/// while it decides, another fallback replaces it only when its estimate leads the one in charge by the
/// margin for as many decisions (hysteresis), and control returns to the agent after the cool-down. Every
/// change it lets through is reported to the audit with the reason. State is per pathway and can be
/// exported and restored (the live cortex keeps it in each pathway's actor).
/// </summary>
public sealed class GuardedController : IPathwayController
{
    /// <summary>The retry budget's window, seconds (<c>RetryBudget</c>: ten 1-second buckets).</summary>
    private const int RetryBudgetWindowSeconds = 10;

    private readonly Dictionary<string, GuardState> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Pathway, int Fallback), PathwayHormones> _shadow = [];
    private readonly Dictionary<string, PathwayWindow> _lastWindows = new(StringComparer.Ordinal);
    private readonly IPathwayController _primary;
    private readonly IReadOnlyList<IPathwayController> _fallbacks;
    private readonly GuardrailSettings _settings;
    private readonly Func<bool>? _frozen;
    private readonly Action<HormoneChange>? _audit;
    private readonly TimeProvider? _time;

    /// <summary>Guards <paramref name="primary"/> with one fallback, <paramref name="safe"/>.</summary>
    public GuardedController(IPathwayController primary, IPathwayController safe, GuardrailSettings settings, Func<bool>? frozen = null, Action<HormoneChange>? audit = null, TimeProvider? time = null)
        : this(primary, [safe ?? throw new ArgumentNullException(nameof(safe))], settings, frozen, audit, time)
    {
    }

    /// <summary>Guards <paramref name="primary"/> with several <paramref name="fallbacks"/> (the first is preferred on a tie).</summary>
    public GuardedController(IPathwayController primary, IReadOnlyList<IPathwayController> fallbacks, GuardrailSettings settings, Func<bool>? frozen = null, Action<HormoneChange>? audit = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallbacks);
        ArgumentNullException.ThrowIfNull(settings);
        if (fallbacks.Count == 0 || fallbacks.Any(f => f is null))
        {
            throw new ArgumentException("at least one fallback controller is needed, and none may be null", nameof(fallbacks));
        }

        _primary = primary;
        _fallbacks = [.. fallbacks];
        _settings = settings;
        _frozen = frozen;
        _audit = audit;
        _time = time;
    }

    /// <inheritdoc />
    public string Name => _primary.Name;

    /// <summary>The fallback controllers, in order.</summary>
    public IReadOnlyList<IPathwayController> Fallbacks => _fallbacks;

    /// <summary>The guard state of a pathway (for persistence and diagnostics).</summary>
    public GuardState StateOf(string pathway) => _state.TryGetValue(pathway, out var state) ? state : GuardState.Initial(_settings);

    /// <summary>Restores a pathway's guard state (after an actor reactivation).</summary>
    public void Restore(string pathway, GuardState state) => _state[pathway] = state ?? throw new ArgumentNullException(nameof(state));

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => Bound(_primary.Initial(pathway), null, false).Hormones;

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        if (_frozen?.Invoke() == true)
        {
            return current;
        }

        _lastWindows[pathway] = window;
        var state = StateOf(pathway);
        // Every fallback runs every window on its own previous choice (a shadow), so the guard always knows
        // what each would hold now, and a fallback continues from there instead of from the agent's values.
        var shadows = new PathwayHormones[_fallbacks.Count];
        var estimates = new double?[_fallbacks.Count];
        var baseline = state.NextBaseline(window);
        for (var k = 0; k < _fallbacks.Count; k++)
        {
            shadows[k] = _shadow.GetValueOrDefault((pathway, k), current);
            estimates[k] = SafeEstimate(window, current, shadows[k], _settings, baseline);
        }

        var reward = window.Calls == 0 ? (double?)null : (double)window.Goodput / window.Calls;
        state = state.Observe(reward, estimates, _settings, [.. _fallbacks.Select(f => f.Name)]) with { BaselineRttMs = baseline };
        for (var k = 0; k < _fallbacks.Count; k++)
        {
            var next = _fallbacks[k].Decide(pathway, window, shadows[k]);
            _shadow[(pathway, k)] = next;
            shadows[k] = next;
        }

        string reason;
        PathwayHormones proposed;
        if (state.SafeFor > 0)
        {
            var active = Math.Clamp(state.Active, 0, _fallbacks.Count - 1);
            proposed = shadows[active];
            reason = state.FallbackReason ?? $"fallback to {_fallbacks[active].Name}";
            state = state with { SafeFor = state.SafeFor - 1 };
            // Keep the agent's own memory in step with what is in force.
            _primary.Decide(pathway, window, current);
        }
        else
        {
            proposed = _primary.Decide(pathway, window, current);
            reason = _primary.Name;
            // The cut hold: the agent cuts the limit only on evidence that the target is congested; a slower
            // but healthy target (a slow dependency: the round-trip time up, every call on time) keeps the
            // concurrency its offered calls need. It only holds, never raises: a raise on a target that
            // looks healthy filled a shared or saturated one past the objective (orders' 16 slots behind
            // gateway→orders, one database behind three entry APIs). Not while another caller of the same
            // target shows congestion: there a cut is the admission that leaves the target to the others.
            // The fallbacks are left as they are (they are the baselines the agent is measured against).
            if (_settings.HoldCutsWithoutCongestion && proposed.ConcurrencyLimit < current.ConcurrencyLimit && !SiblingCongested(pathway)
                && HealthyFloor(window, _settings.LatencyObjectiveMs, _settings.CutHoldShedShare) is { } floor && proposed.ConcurrencyLimit < floor)
            {
                var held = Math.Min(current.ConcurrencyLimit, floor);
                reason += string.Create(CultureInfo.InvariantCulture, $"; cut held to {held} (proposed {proposed.ConcurrencyLimit}): no congestion at the target");
                proposed = proposed with { ConcurrencyLimit = held };
            }

            // The shed raise: a limit right-sized in calm seconds binds when a healthy target gets slower (the
            // same calls now take 90 ms instead of 3, so more of them are in flight), and the agent's base
            // (Gradient2 reads the longer round-trip time as congestion) never raises it: half the calls are
            // shed for a target that answers every admitted one in time. The guard raises such a limit toward
            // the Erlang B floor of the offered calls (the step bound applies), only where the raise cannot
            // fill a shared or saturated target: the pathway is the target's only caller (a database behind
            // three entry APIs is left to the agent's admission), and even if the target had no room at all
            // for the extra calls (every round-trip time stretched by Little's law) its p99 would stay
            // within the objective. It stops by itself once nothing is shed.
            // A raise is a test: when the next window's goodput a second did not grow by ShedRaiseMinGain, the
            // target had no room (its own slots full, the round-trip time stretched by the extra calls: Little's
            // law at a saturated target), so the raise is undone and no other is made for a cool-down.
            var goodputRate = window.Seconds > 0 ? window.Goodput / window.Seconds : 0;
            // Room for held slots: the calls in flight are many times what the window's answers need at their
            // median round-trip time (a slow replica's calls wait until they time out or are given up while the
            // other replicas answer fast). Gradient2's limit, sized for the fast answers, is then full of the slow
            // calls and sheds the calls the fast replicas would answer in time. The limit is kept at the offered
            // concurrency (the calls in flight, scaled up by the shed share, plus a square-root margin): raised
            // while the window shed calls (a raise, tested like the shed raise), never cut below it otherwise.
            // Not for a congested target (its queue slows the median) or a shared one (admission is the agent's).
            var heldFloor = _settings.KeepRoomForHeldSlots && !HasOtherCallers(pathway) ? HeldSlotFloor(window, _settings.LatencyObjectiveMs, _settings.HeldSlotRatio) : null;
            var shedding = window.Calls > 0 && window.Rejected >= _settings.ShedRaiseMinShare * window.Calls;
            var keep = heldFloor is { } room ? (shedding ? room : Math.Min(room, current.ConcurrencyLimit)) : 0;
            if (state.RaisedFrom > 0 && goodputRate < state.RaisedGoodput * (1 + _settings.ShedRaiseMinGain))
            {
                var undone = Math.Min(proposed.ConcurrencyLimit, state.RaisedFrom);
                reason += string.Create(CultureInfo.InvariantCulture, $"; raise undone to {undone}: goodput {goodputRate:F0}/s after it, {state.RaisedGoodput:F0}/s before (no room at the target)");
                proposed = proposed with { ConcurrencyLimit = undone };
                state = state with { RaisedFrom = 0, RaiseBlockedFor = _settings.FallbackCooldown };
            }
            else if (keep > proposed.ConcurrencyLimit)
            {
                var inUse = Math.Max(window.MaxInFlight, window.InFlight);
                reason += string.Create(CultureInfo.InvariantCulture, $"; room kept for held slots: limit {keep} (proposed {proposed.ConcurrencyLimit}): {inUse} calls in flight, the answers needed {window.Successes / Math.Max(window.Seconds, 1e-3) * (window.RttP50Ms - window.QueueDelayMs) / 1000:F1} at their median {window.RttP50Ms:F0} ms, no congestion at the target");
                proposed = proposed with { ConcurrencyLimit = keep };
                state = state with { RaisedFrom = 0, RaiseBlockedFor = Math.Max(0, state.RaiseBlockedFor - 1) };
            }
            else if (_settings.RaiseShedWithoutCongestion && state.RaiseBlockedFor == 0 && ShedRaise(pathway, window, current, proposed) is { } raised)
            {
                reason += string.Create(CultureInfo.InvariantCulture, $"; shedding limit raised to {raised} (proposed {proposed.ConcurrencyLimit}): {window.Rejected} of {window.Calls} calls shed, no congestion at the target, its only caller");
                proposed = proposed with { ConcurrencyLimit = raised };
                state = state with { RaisedFrom = current.ConcurrencyLimit, RaisedGoodput = goodputRate };
            }
            else
            {
                state = state with { RaisedFrom = 0, RaiseBlockedFor = Math.Max(0, state.RaiseBlockedFor - 1) };
            }
        }

        // The retry governor: after a window whose attempts ran above the amplification the cortex may
        // cause, it holds the retry head down for a budget window (10 decisions), so the budget's allowance
        // does not refill and burst again the moment the amplification dips.
        var governedFor = window.Calls > 0 && window.Amplification > _settings.MaxAmplification ? _settings.GovernorHold : Math.Max(0, state.GovernedFor - 1);
        // What the retry budget's 10-second window holds at the next second: this window and the 8 before it
        // (calls, and attempts beyond the calls: retries and hedges).
        var recentCalls = Recent(state.RecentCalls, window.Calls);
        var recentRetries = Recent(state.RecentRetries, Math.Max(0, window.Attempts - window.Calls));
        state = state with { GovernedFor = governedFor, RecentCalls = recentCalls, RecentRetries = recentRetries };
        _state[pathway] = state;
        var (bounded, notes) = Bound(proposed, current, governedFor > 0, new RetryHistory(recentCalls.Sum(), recentRetries.Sum(), window.Calls));
        if (notes.Count > 0)
        {
            reason += "; " + string.Join(", ", notes);
        }

        if (_audit is not null)
        {
            var at = (_time ?? TimeProvider.System).GetUtcNow();
            foreach (var (hormone, before, after) in Differences(current, bounded))
            {
                _audit(new HormoneChange(pathway, hormone, before, after, reason, at));
            }
        }

        return bounded;
    }

    /// <summary>
    /// A live estimate of the goodput share (calls answered within the latency objective ÷ calls) the
    /// <paramref name="shadow"/>'s concurrency limit would have had in <paramref name="window"/>, which ran
    /// under <paramref name="current"/> (null without calls). Only the limit is compared; equal limits give
    /// the window's own goodput share (no evidence either way).
    /// <list type="bullet">
    /// <item>A <b>higher</b> shadow limit, where the limiter shed calls: about <c>admitted × (shadow ÷ current − 1)</c>
    /// more would have been admitted (Little's law at an unchanged round-trip time), succeeding like the
    /// admitted ones did, but credited only for the share that would be on time even if the target had no
    /// room for them (<see cref="OnTimeIfQueued"/>: every round-trip time stretched by the extra load); and
    /// calls that succeeded late after waiting in the limiter's queue would have been
    /// on time. Both are scaled by how healthy the target looks (<see cref="TargetHealth"/>): a slow but
    /// healthy backend earns the full credit, a queueing or failing one none.</item>
    /// <item>A <b>lower</b> shadow limit, where the calls in flight at the target (Little's law: completions
    /// per second × median round-trip time, less the limiter wait) exceed it: the target would have held
    /// fewer calls, so each would have waited less there. Its throughput stays while the shadow's limit covers
    /// the calls' service time (<paramref name="baselineRttMs"/>, the calm round-trip time, or the window's
    /// fastest call), and the round-trip time shrinks by Little's law to <c>limit ÷ throughput</c>; the share
    /// of those calls within the objective comes from a log-normal fitted to the window's p50 and p99, scaled.
    /// The calls it would have shed are lost. An agent that admits everything and answers late loses to a
    /// shadow that holds the target to what it serves in time.</item>
    /// </list>
    /// </summary>
    public static double? SafeEstimate(PathwayWindow window, PathwayHormones current, PathwayHormones shadow, GuardrailSettings settings, double baselineRttMs = 0)
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
        var goodput = (double)window.Goodput;
        var own = goodput / calls;
        var successes = (double)Math.Clamp(window.Successes, 0, window.Calls);
        var rejected = (double)Math.Clamp(window.Rejected, 0, window.Calls);
        var admitted = calls - rejected;
        if (shadow.ConcurrencyLimit > current.ConcurrencyLimit)
        {
            if (admitted <= 0)
            {
                return own;
            }

            var factor = ((double)shadow.ConcurrencyLimit / Math.Max(1, current.ConcurrencyLimit)) - 1;
            var health = TargetHealth(window, settings.LatencyObjectiveMs);
            var more = Math.Min(rejected, admitted * factor);
            var extra = more * (successes / admitted) * health * OnTimeIfQueued(window, admitted, more, settings.LatencyObjectiveMs);
            var relieved = window.QueueDelayMs > 0 ? (successes - goodput) * health * Math.Min(1, factor) : 0;
            return Math.Min(1, (goodput + extra + relieved) / calls);
        }

        if (shadow.ConcurrencyLimit < current.ConcurrencyLimit)
        {
            return Math.Min(1, LowerLimitGoodput(window, shadow.ConcurrencyLimit, settings.LatencyObjectiveMs, baselineRttMs) is { } estimate ? estimate / calls : own);
        }

        return own;
    }

    /// <summary>
    /// The concurrency a healthy target's offered calls need, or null when the target shows congestion and
    /// the agent's limit stands as proposed: the p99, less the wait in this pathway's own limiter queue, at
    /// the objective or over it (calls answered late), or 10 % of the attempts timing out, or 20 % of the
    /// calls failing (<see cref="PathwayAgent.Congestion"/>'s failure evidence). Below that, a higher
    /// round-trip time is read as a slower target, not a congested one (downstream latency): the calls are
    /// answered in time and a lower limit only sheds them. The limiter in front of such a target is a loss system, so by Erlang's B formula
    /// (insensitive to the service-time distribution) the floor is the smallest limit whose blocking
    /// probability at the offered load <c>a = calls per second × median round-trip time</c> (less the
    /// limiter wait) stays within <paramref name="shedShare"/>. The calls count the shed ones, so a limit that
    /// already binds does not lower its own floor. The median, not the fastest call: when only some calls
    /// got slower (a slow replica, a slow share of a dependency) the fastest call is one of the fast ones.
    /// </summary>
    public static int? HealthyFloor(PathwayWindow window, double objectiveMs, double shedShare)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(objectiveMs, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(shedShare, 0);
        var rtt = window.RttP50Ms - window.QueueDelayMs;
        if (window.Calls <= 0 || window.Successes <= 0 || window.Seconds <= 0 || rtt <= 0)
        {
            return null;
        }

        // Congested: calls answered late (the p99 at the target over the objective), or the failure and
        // timeout evidence of PathwayAgent.Congestion (10 % of attempts timing out, 20 % of calls failing).
        // A p99 near the objective is not enough: a slow dependency puts it there with no queue anywhere.
        var p99 = (window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms) - window.QueueDelayMs;
        var failing = PathwayAgent.Congestion(window with { RttP99Ms = 0, RttP50Ms = 0 }, objectiveMs);
        if (p99 >= objectiveMs || failing >= 1)
        {
            return null;
        }

        var offered = window.Calls / window.Seconds * rtt / 1000;
        return ErlangServers(offered, shedShare, 100_000);
    }

    /// <summary>
    /// The limit that leaves room for calls holding the limit's slots far longer than the median call, or null
    /// when the window does not show them: the answers are fast (the median round-trip time at the target, less
    /// the limiter wait, within a quarter of the objective; attempts timing out do not count against it: a slow
    /// replica's calls time out while the median stays fast, a queue slows the median too), the held calls show
    /// (a p99 at least <see cref="PathwayAgent.HedgeTailRatio"/> × the median, 5 % of the attempts timing out, or
    /// 5 % of the admitted calls without an answer in the window), and the calls in
    /// flight (the window's most) are at least <paramref name="ratio"/> times the concurrency the window's answers
    /// needed at that median (Little's law: successes a second × median). A congested target slows its median
    /// with its queue, and a limit that only holds the target to its capacity is full of calls answered at about
    /// the median, so neither shows this; a slow replica behind a load balancer, whose calls wait for their
    /// timeout or deadline while the others answer fast, does. The result is the offered concurrency (the calls
    /// in flight × calls ÷ admitted calls: the shed calls would hold slots like the admitted ones) plus its square
    /// root as a margin. Every input is in a live vitals window.
    /// </summary>
    public static int? HeldSlotFloor(PathwayWindow window, double objectiveMs, double ratio)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(objectiveMs, 0);
        var rtt = window.RttP50Ms - window.QueueDelayMs;
        var admitted = window.Calls - Math.Clamp(window.Rejected, 0, window.Calls);
        if (window.Calls <= 0 || window.Successes <= 0 || window.Seconds <= 0 || rtt <= 0 || admitted <= 0)
        {
            return null;
        }

        if (rtt > 0.25 * objectiveMs)
        {
            return null;
        }

        // The held calls must show: a long tail (p99 ≥ 4 × p50; live the p99 counts the calls given up too),
        // attempts timing out (5 %), or admitted calls with no answer in the window (5 %, given up in the simulator).
        var p99 = (window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms) - window.QueueDelayMs;
        var unanswered = admitted - Math.Max(0, window.Successes) - Math.Max(0, window.Failures);
        var tail = p99 >= PathwayAgent.HedgeTailRatio * rtt || window.Timeouts >= 0.05 * Math.Max(1, window.Attempts) || unanswered >= 0.05 * admitted;
        var inUse = (double)Math.Max(window.MaxInFlight, window.InFlight);
        var needed = window.Successes / window.Seconds * rtt / 1000;
        if (!tail || inUse < ratio * Math.Max(1, needed))
        {
            return null;
        }

        var offered = inUse * window.Calls / admitted;
        return (int)Math.Ceiling(offered + Math.Sqrt(offered));
    }

    /// <summary>
    /// The limit the shed raise sets (see <see cref="Decide"/>), or null when it does not apply: the window
    /// shed at least <see cref="GuardrailSettings.ShedRaiseMinShare"/> of its calls, the target shows no
    /// congestion (<see cref="HealthyFloor"/> not null) and its floor is above both the proposed limit and the
    /// one in force, no other caller of the target has been seen, and the window's p99 stays within the
    /// objective even with every round-trip time stretched by <c>(admitted + shed) ÷ admitted</c> (a target
    /// with no room for the extra calls; <see cref="OnTimeIfQueued"/> at least 99 %). The result is the floor,
    /// which the step bound then limits (1.5× a decision).
    /// </summary>
    public int? ShedRaise(string pathway, PathwayWindow window, PathwayHormones current, PathwayHormones proposed)
    {
        ArgumentNullException.ThrowIfNull(pathway);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(proposed);
        var rejected = (double)Math.Clamp(window.Rejected, 0, window.Calls);
        var admitted = window.Calls - rejected;
        if (window.Calls <= 0 || admitted <= 0 || rejected < _settings.ShedRaiseMinShare * window.Calls || HasOtherCallers(pathway))
        {
            return null;
        }

        if (HealthyFloor(window, _settings.LatencyObjectiveMs, _settings.CutHoldShedShare) is not { } floor
            || floor <= Math.Max(proposed.ConcurrencyLimit, current.ConcurrencyLimit)
            || OnTimeIfQueued(window, admitted, rejected, _settings.LatencyObjectiveMs) < 0.99)
        {
            return null;
        }

        return floor;
    }

    /// <summary>Whether a pathway other than <paramref name="pathway"/> to the same target (<c>caller→target</c>) has been seen.</summary>
    private bool HasOtherCallers(string pathway)
    {
        var arrow = pathway.IndexOf('→', StringComparison.Ordinal);
        if (arrow < 0)
        {
            return true;
        }

        var target = pathway[arrow..];
        return _lastWindows.Keys.Any(other => other != pathway && other.EndsWith(target, StringComparison.Ordinal));
    }

    /// <summary>Whether another caller of <paramref name="pathway"/>'s target (<c>caller→target</c>) showed congestion in its last window (<see cref="HealthyFloor"/> null).</summary>
    private bool SiblingCongested(string pathway)
    {
        var arrow = pathway.IndexOf('→', StringComparison.Ordinal);
        if (arrow < 0)
        {
            return false;
        }

        var target = pathway[arrow..];
        return _lastWindows.Any(other => other.Key != pathway && other.Key.EndsWith(target, StringComparison.Ordinal)
            && other.Value.Calls > 0 && HealthyFloor(other.Value, _settings.LatencyObjectiveMs, _settings.CutHoldShedShare) is null);
    }

    /// <summary>The fewest servers (slots) whose Erlang B blocking probability at <paramref name="offered"/> erlangs is at most <paramref name="blocking"/> (at most <paramref name="max"/>).</summary>
    public static int ErlangServers(double offered, double blocking, int max)
    {
        if (!(offered > 0))
        {
            return 1;
        }

        // B(0) = 1, B(c) = a·B(c−1) ÷ (c + a·B(c−1)): numerically stable for any load.
        var b = 1.0;
        for (var c = 1; c <= max; c++)
        {
            b = offered * b / (c + (offered * b));
            if (b <= blocking)
            {
                return c;
            }
        }

        return max;
    }

    /// <summary>
    /// The share of the calls a higher limit would have added that are on time even if the target has no
    /// room for them: a target at its capacity serves no more calls a second, so by Little's law every
    /// round-trip time stretches by <c>(admitted + more) ÷ admitted</c>; the share is read off a log-normal
    /// fitted to the window's p50 and p99 at the target (less the wait in the pathway's own limiter queue).
    /// A raise is credited only within the latency headroom it leaves under the objective, so on a tight
    /// objective (a p99 near it) the shed calls a higher limit would admit count for nothing.
    /// </summary>
    private static double OnTimeIfQueued(PathwayWindow window, double admitted, double more, double objectiveMs)
    {
        var rtt = window.RttP50Ms - window.QueueDelayMs;
        if (rtt <= 0 || admitted <= 0)
        {
            return 1;
        }

        var p99 = Math.Max(rtt, (window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms) - window.QueueDelayMs);
        var stretch = (admitted + Math.Max(0, more)) / admitted;
        return ShareBelow(rtt, p99, Math.Max(1, objectiveMs) / stretch);
    }

    /// <summary>The goodput (calls) a lower limit would have had in the window, or null when it would not have bound (see <see cref="SafeEstimate"/>).</summary>
    private static double? LowerLimitGoodput(PathwayWindow window, int limit, double objectiveMs, double baselineRttMs)
    {
        var seconds = Math.Max(window.Seconds, 1e-3);
        var successes = (double)Math.Max(0, window.Successes);
        var completed = successes + Math.Max(0, window.Failures);
        // The round-trip time at the target: the time in the agent's own limiter queue is not the target's.
        var rtt = window.RttP50Ms - window.QueueDelayMs;
        if (successes <= 0 || rtt <= 0)
        {
            return null;
        }

        var throughput = completed / seconds;
        var inFlight = throughput * rtt / 1000;
        if (limit >= inFlight)
        {
            return null;
        }

        var service = Math.Min(rtt, new[] { window.RttMinMs, baselineRttMs }.Where(v => v > 0).DefaultIfEmpty(rtt).Min());
        var shadowThroughput = Math.Min(throughput, limit * 1000 / service);
        var shadowRtt = Math.Max(service, limit * 1000 / shadowThroughput);
        var scale = shadowRtt / rtt;
        var p99 = Math.Max(rtt, window.RttP99Ms - window.QueueDelayMs);
        var onTime = ShareBelow(rtt, p99, objectiveMs / scale);
        return shadowThroughput * seconds * (successes / completed) * onTime;
    }

    /// <summary>The share of a log-normal latency distribution with the given median and 99th percentile that lies below <paramref name="x"/>.</summary>
    public static double ShareBelow(double p50, double p99, double x)
    {
        if (p50 <= 0 || x <= 0)
        {
            return x >= p50 ? 1 : 0;
        }

        var sigma = Math.Log(Math.Max(p99, p50) / p50) / 2.3263478740;
        if (sigma < 1e-9)
        {
            return x >= p50 ? 1 : 0;
        }

        return NormalCdf(Math.Log(x / p50) / sigma);
    }

    // Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), enough for an estimate.
    private static double NormalCdf(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + (0.3275911 * x));
        var polynomial = ((((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t) + 0.254829592) * t;
        var erf = 1 - (polynomial * Math.Exp(-x * x));
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
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

    private static double[] Recent(IReadOnlyList<double>? history, double value)
    {
        var kept = history ?? [];
        return [.. kept.Skip(Math.Max(0, kept.Count - (RetryBudgetWindowSeconds - 2))), value];
    }

    private (PathwayHormones Hormones, List<string> Notes) Bound(PathwayHormones proposed, PathwayHormones? current, bool governed, RetryHistory? history = null)
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

        var limitBounded = Math.Clamp(limit, _settings.MinConcurrencyLimit, _settings.MaxConcurrencyLimit);
        var timeoutBounded = Math.Clamp(timeout, _settings.MinTimeoutMs, _settings.MaxTimeoutMs);
        var retries = Math.Clamp(proposed.MaxRetries, 0, _settings.MaxRetries);
        var budget = Math.Clamp(proposed.RetryBudgetPercent, 0, _settings.MaxRetryBudgetPercent);
        var budgetFloor = Math.Clamp(proposed.RetryBudgetMinPerSecond, 0, _settings.MaxRetryBudgetMinPerSecond);
        if (governed)
        {
            // The retry governor: attempts ran above the amplification the cortex may cause; whatever was
            // proposed, the next window gets at most one retry out of a small budget.
            (retries, budget, budgetFloor) = (Math.Min(retries, 1), Math.Min(budget, _settings.GovernedRetryBudgetPercent), Math.Min(budgetFloor, 1));
            notes.Add("retry governor");
        }

        if (history is { } recent && _settings.SmoothRetryBudget)
        {
            // The budget is a sum over a 10-second window, so an allowance saved up in calm seconds is spent in
            // one burst when failures start, and comes free again in a lump 10 s later: the retries bunch into a
            // few seconds at 1.3-1.4 attempts per call while the rest get none. Set each second's percentage so
            // the window, with the retries already in it, leaves room for about `budget` % of the next second's
            // calls plus the floor's second (this second's calls as the estimate), never above the cap.
            var expected = recent.LastCalls;
            var total = recent.Calls + expected;
            if (total > 0)
            {
                var room = recent.Retries + (budget / 100 * expected) - (budgetFloor * (RetryBudgetWindowSeconds - 1));
                var smoothed = Math.Floor(1_000 * Math.Max(0, room) / total) / 10;
                if (smoothed < budget)
                {
                    budget = smoothed;
                    notes.Add("retry budget smoothed");
                }
            }
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

        var breakBounded = Math.Clamp(breakMs, _settings.MinBreakerBreakMs, _settings.MaxBreakerBreakMs);
        // Hedging: at most MaxHedges, a delay between MinHedgeDelayMs and half the (bounded) timeout, so a
        // hedge has time to answer; none while the retry governor holds the amplification down.
        var (hedgeDelay, hedges) = (proposed.HedgeDelayMs, proposed.MaxHedges);
        if (proposed.HedgingEnabled)
        {
            hedges = Math.Min(hedges, _settings.MaxHedges);
            hedgeDelay = Math.Clamp(hedgeDelay, _settings.MinHedgeDelayMs, Math.Max(_settings.MinHedgeDelayMs, timeoutBounded / 2));
            if (governed)
            {
                hedges = 0;
            }

            if (hedges <= 0)
            {
                hedgeDelay = 0;
            }
        }

        if (!notes.Contains("retry governor") && !notes.Contains("retry budget smoothed") && (limitBounded != limit || timeoutBounded != timeout || retries != proposed.MaxRetries || budget != proposed.RetryBudgetPercent || budgetFloor != proposed.RetryBudgetMinPerSecond || breakBounded != breakMs || hedges != proposed.MaxHedges || hedgeDelay != proposed.HedgeDelayMs))
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
            HedgeDelayMs = hedgeDelay,
            MaxHedges = hedges,
        };
        return (bounded.Validate().Count == 0 ? bounded : current ?? PathwayHormones.Default, notes);
    }

    private int Step(int from, int to)
    {
        var up = (int)Math.Ceiling(from * _settings.MaxStepFactor);
        var down = (int)Math.Floor(from / _settings.MaxStepFactor);
        return Math.Clamp(to, Math.Min(down, from), Math.Max(up, from + 1));
    }
}

/// <summary>The retry budget's window as the guard sees it: calls and retries (attempts beyond the calls) over the last 9 windows, and the last window's calls.</summary>
internal readonly record struct RetryHistory(double Calls, double Retries, double LastCalls);

/// <summary>A pathway's guard state: the smoothed rewards and estimates, how long the agent has been behind, and the fallback in progress.</summary>
/// <param name="AgentReward">Smoothed reward (goodput share) while the agent was in charge.</param>
/// <param name="SafeReward">Smoothed reward while a fallback was in charge (starts at the configured assumption).</param>
/// <param name="Behind">Consecutive decisions the agent has been behind by more than the margin.</param>
/// <param name="SafeFor">Decisions the fallback keeps control (0: the agent decides).</param>
/// <param name="FallbackReason">Why the last fallback (or switch between fallbacks) happened.</param>
/// <param name="LiveSafeReward">The best of the smoothed live estimates of the fallbacks' rewards (<see cref="GuardedController.SafeEstimate"/>).</param>
/// <param name="Strikes">Fallbacks in a row without the agent holding its own for a full cool-down since; each doubles the next cool-down (at most 8×).</param>
/// <param name="Calm">Decisions in a row the agent has been in charge without falling behind.</param>
/// <param name="GovernedFor">Decisions the retry governor still holds the retry head down.</param>
public sealed record GuardState(double AgentReward, double SafeReward, int Behind, int SafeFor, string? FallbackReason, double LiveSafeReward = 1, int Strikes = 0, int Calm = 0, int GovernedFor = 0)
{
    /// <summary>The smoothed live estimate of each fallback's reward, in the guard's fallback order (null before the first window).</summary>
    public IReadOnlyList<double>? Estimates { get; init; }

    /// <summary>The fallback in charge while <see cref="SafeFor"/> is above 0 (index in the guard's fallback order).</summary>
    public int Active { get; init; }

    /// <summary>Consecutive decisions another fallback's estimate has led the one in charge by more than the margin.</summary>
    public int Ahead { get; init; }

    /// <summary>The pathway's calm round-trip time, ms: a slowly forgetting minimum of the window medians (0 until the first success).</summary>
    public double BaselineRttMs { get; init; }

    /// <summary>The limit in force before the shed raise of the last decision (0: the last decision raised nothing).</summary>
    public int RaisedFrom { get; init; }

    /// <summary>Goodput a second of the window that led to the last decision's shed raise.</summary>
    public double RaisedGoodput { get; init; }

    /// <summary>Decisions before the shed raise may act again (after a raise that did not raise goodput).</summary>
    public int RaiseBlockedFor { get; init; }

    /// <summary>Calls of the last windows (at most 9, oldest first): the retry budget's 10-second window less the second to come.</summary>
    public IReadOnlyList<double>? RecentCalls { get; init; }

    /// <summary>Attempts beyond the calls (retries and hedges) of the same windows as <see cref="RecentCalls"/>.</summary>
    public IReadOnlyList<double>? RecentRetries { get; init; }

    /// <summary>The state before any decision.</summary>
    public static GuardState Initial(GuardrailSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new GuardState(1, settings.InitialSafeReward, 0, 0, null);
    }

    /// <summary>The calm round-trip time after <paramref name="window"/>: a minimum of the medians that forgets 1 % a window, so a lasting change is learned.</summary>
    public double NextBaseline(PathwayWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var p50 = window.RttP50Ms - window.QueueDelayMs;
        if (window.Successes <= 0 || p50 <= 0)
        {
            return BaselineRttMs;
        }

        return BaselineRttMs <= 0 ? p50 : Math.Min(p50, BaselineRttMs * 1.01);
    }

    /// <summary>Folds one window in with a single fallback's estimate (see the overload for several).</summary>
    public GuardState Observe(double? reward, double? safeEstimate, GuardrailSettings settings) => Observe(reward, [safeEstimate], settings, ["safe"]);

    /// <summary>
    /// Folds one window's reward in (null: no calls, nothing to learn) with the live estimates of what each
    /// fallback would have got (<paramref name="estimates"/>, in the guard's order; null: no evidence, the
    /// reward itself), and decides whether to fall back, and to which: the agent is behind when its smoothed
    /// reward trails the best smoothed estimate by more than <see cref="GuardrailSettings.LiveFallbackMargin"/>,
    /// or a fallback's measured reward by more than <see cref="GuardrailSettings.FallbackMargin"/>; after
    /// <see cref="GuardrailSettings.FallbackPatience"/> decisions behind, the fallback with the best estimate
    /// decides. While a fallback decides, another replaces it only after leading it by the live margin for
    /// as many decisions (hysteresis).
    /// </summary>
    public GuardState Observe(double? reward, IReadOnlyList<double?> estimates, GuardrailSettings settings, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(names);
        if (reward is not { } value || estimates.Count == 0)
        {
            return this;
        }

        var alpha = settings.RewardSmoothing;
        IReadOnlyList<double> previous = Estimates is { } known && known.Count == estimates.Count ? known : [.. Enumerable.Repeat(LiveSafeReward, estimates.Count)];
        var smoothed = new double[estimates.Count];
        for (var k = 0; k < smoothed.Length; k++)
        {
            smoothed[k] = previous[k] + (alpha * ((estimates[k] ?? value) - previous[k]));
        }

        var best = 0;
        for (var k = 1; k < smoothed.Length; k++)
        {
            best = smoothed[k] > smoothed[best] + 1e-12 ? k : best;
        }

        string Name(int k) => k < names.Count ? names[k] : $"fallback {k}";
        if (SafeFor > 0)
        {
            var active = Math.Clamp(Active, 0, smoothed.Length - 1);
            // While a fallback decides, the agent's reward follows the reward in force, so it resumes level with it.
            var safe = SafeReward + (alpha * (value - SafeReward));
            var next = this with { SafeReward = safe, AgentReward = safe, Estimates = smoothed, LiveSafeReward = smoothed[best] };
            var ahead = best != active && smoothed[best] - smoothed[active] > settings.LiveFallbackMargin ? Ahead + 1 : 0;
            if (ahead < settings.FallbackPatience)
            {
                return next with { Ahead = ahead };
            }

            return next with
            {
                Active = best,
                Ahead = 0,
                FallbackReason = string.Create(CultureInfo.InvariantCulture, $"fallback switch: {Name(best)} estimated {smoothed[best]:F2} ahead of {Name(active)} {smoothed[active]:F2} for {ahead} decisions"),
            };
        }

        var agent = AgentReward + (alpha * (value - AgentReward));
        var live = smoothed[best];
        var measuredGap = SafeReward - agent;
        var liveGap = live - agent;
        var behind = measuredGap > settings.FallbackMargin || liveGap > settings.LiveFallbackMargin ? Behind + 1 : 0;
        if (behind >= settings.FallbackPatience)
        {
            var reason = liveGap > settings.LiveFallbackMargin && liveGap - settings.LiveFallbackMargin >= measuredGap - settings.FallbackMargin
                ? string.Create(CultureInfo.InvariantCulture, $"fallback to {Name(best)}: agent reward {agent:F2} behind its live estimate {live:F2} for {behind} decisions")
                : string.Create(CultureInfo.InvariantCulture, $"fallback to {Name(best)}: agent reward {agent:F2} behind safe {SafeReward:F2} for {behind} decisions");
            var strikes = Math.Min(Strikes + 1, 4);
            // Start the agent afresh after the cool-down, level with the fallbacks.
            return new GuardState(SafeReward, SafeReward, 0, settings.FallbackCooldown << (strikes - 1), reason, live, strikes, 0, GovernedFor)
            {
                Estimates = smoothed,
                Active = best,
                BaselineRttMs = BaselineRttMs,
            };
        }

        // A full cool-down's worth of decisions in charge without falling behind clears the strikes.
        var calm = behind == 0 ? Calm + 1 : 0;
        var held = calm >= settings.FallbackCooldown;
        return this with { AgentReward = agent, Behind = behind, LiveSafeReward = live, Strikes = held ? 0 : Strikes, Calm = calm, Estimates = smoothed, Ahead = 0 };
    }
}
