using System.Globalization;
using BioDapr.Contracts.Vitals;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Cortex.Agents;

/// <summary>The baseline rules of the cortex (configuration section <c>Cortex:Baseline</c>).</summary>
public sealed class BaselineOptions
{
    /// <summary>Windows with traffic the cortex watches on a pathway before it may change its hormones (0: act at once).</summary>
    public int MinWindows { get; set; } = 10;

    /// <summary>A pause in a pathway's windows longer than this starts a new life: the cell restarted (or the pathway was idle), so the baseline is learned again.</summary>
    public TimeSpan NewLifeGap { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A window is healthy when nothing failed on the target's side and its p95 latency is at most this many times the baseline's (or within the pathway's SLO).</summary>
    public double HealthyLatencyFactor { get; set; } = 1.5;

    /// <summary>Healthy windows in a row after which a concurrency limit the cortex cut grows back toward the baseline's.</summary>
    public int RecoveryWindows { get; set; } = 3;

    /// <summary>The most a recovery raises the limit in one window (the guardrails' step).</summary>
    public double RecoveryStepFactor { get; set; } = 1.5;

    /// <summary>
    /// The dead band: a numeric hormone change smaller than this fraction of the value in force is not written (0: every
    /// change is). In calm windows the controller trimmed gateway → orders' timeout by ~1.5 % and the recovery rule gave
    /// it back (1000 ↔ 985 ms), 80–170 writes per coldstart replay that changed nothing that mattered.
    /// </summary>
    public double DeadBand { get; set; } = DefaultDeadBand;

    /// <summary>The default dead band: 2 % (above the ~1.5 % calm-window trims, below the ~3 % steps of a real walk).</summary>
    public const double DefaultDeadBand = 0.02;
}

/// <summary>
/// What the cortex knows of one pathway's normal: how many windows with traffic it has seen in this life of the
/// calling cell, the p95 latency of those first windows, the concurrency limit that was in force then, and how many
/// healthy windows in a row it has seen since.
/// </summary>
public sealed record BaselineState
{
    /// <summary>Windows with traffic seen in this life.</summary>
    public int Windows { get; init; }

    /// <summary>End of the last window seen.</summary>
    public DateTimeOffset LastEnd { get; init; }

    /// <summary>The baseline's p95 latency (the lowest window p95 seen while learning, then kept), ms; 0 while unknown.</summary>
    public double P95Ms { get; init; }

    /// <summary>The concurrency limit in force when the baseline was complete: cuts grow back to it.</summary>
    public int Limit { get; init; }

    /// <summary>Healthy windows in a row.</summary>
    public int Healthy { get; init; }

    /// <summary>The attempt timeout in force when the baseline was complete, ms (0: not known, a state kept before it was recorded): cut timeouts grow back to it.</summary>
    public int TimeoutMs { get; init; }
}

/// <summary>
/// Two rules around the cortex's controller, so that a young organism is not cut on its first slow windows and a cut
/// does not outlive its cause: (1) the controller decides nothing on a pathway until it has seen
/// <see cref="BaselineOptions.MinWindows"/> windows with traffic in this life of the calling cell (cold-start latency
/// is not a baseline); (2) after <see cref="BaselineOptions.RecoveryWindows"/> healthy windows in a row (no failure on
/// the target's side, p95 within <see cref="BaselineOptions.HealthyLatencyFactor"/> of the baseline or within the SLO), a concurrency
/// limit below the baseline's grows back toward it, by at most <see cref="BaselineOptions.RecoveryStepFactor"/> a window.
/// </summary>
public static class PathwayBaseline
{
    /// <summary>Takes in <paramref name="window"/> with the hormones in force (<paramref name="inForce"/>): the next state, and whether the controller may act on this window.</summary>
    public static (BaselineState Next, bool MayAct) Observe(BaselineState? state, VitalsWindow window, PathwayHormones inForce, BaselineOptions options)
    {
        ArgumentNullException.ThrowIfNull(inForce);
        var limitInForce = inForce.ConcurrencyLimit;
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(options);
        state ??= new BaselineState();
        if (!window.HasActivity || window.Completed == 0)
        {
            // Nothing to learn from; the pause is measured from the last window with traffic.
            return (state, state.Windows >= options.MinWindows);
        }

        if (state.Windows > 0 && window.Start - state.LastEnd > options.NewLifeGap)
        {
            state = new BaselineState();
        }

        var learning = state.Windows < options.MinWindows;
        var healthy = Healthy(window, state.P95Ms, options);
        var next = state with
        {
            Windows = Math.Min(state.Windows + 1, int.MaxValue - 1),
            LastEnd = window.End,
            P95Ms = learning ? Lowest(state.P95Ms, window) : state.P95Ms,
            Limit = learning ? limitInForce : state.Limit,
            TimeoutMs = learning ? inForce.TimeoutMs : state.TimeoutMs,
            Healthy = learning ? 0 : healthy ? state.Healthy + 1 : 0,
        };
        return (next, next.Windows > options.MinWindows);
    }

    /// <summary>
    /// The recovery rule: when the last windows were healthy and the limit is below the baseline's, the change that grows
    /// it back: from the limit in force (<paramref name="current"/>) by at most the step factor, up to the baseline's limit.
    /// The controller's decision for the same window (<paramref name="decided"/>) does not hold it down: a controller
    /// that cuts again on a healthy window would otherwise keep the limit near its own cut, and the recovery replaces it.
    /// Null when there is nothing to recover, or when the controller already raises the limit as far.
    /// </summary>
    public static HormoneChange? Recover(BaselineState state, string pathway, PathwayHormones current, PathwayHormones decided, BaselineOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(decided);
        ArgumentNullException.ThrowIfNull(options);
        var inForce = current.ConcurrencyLimit;
        if (!Recovering(state, options) || inForce >= state.Limit)
        {
            return null;
        }

        var raised = GrowBack(inForce, state.Limit, options);
        if (decided.ConcurrencyLimit >= raised)
        {
            return null;
        }

        return new HormoneChange(
            pathway,
            "concurrencyLimit",
            inForce.ToString(CultureInfo.InvariantCulture),
            raised.ToString(CultureInfo.InvariantCulture),
            $"recovery: {state.Healthy} healthy windows in a row (p95 within {options.HealthyLatencyFactor.ToString(CultureInfo.InvariantCulture)}x the baseline's {state.P95Ms.ToString("F1", CultureInfo.InvariantCulture)} ms); the baseline's limit is {state.Limit.ToString(CultureInfo.InvariantCulture)}"
                + (decided.ConcurrencyLimit < inForce ? $"; replaces the controller's cut to {decided.ConcurrencyLimit.ToString(CultureInfo.InvariantCulture)}" : string.Empty),
            now);
    }

    /// <summary>
    /// The attempt timeout the cortex may leave in force after the controller's decision (<paramref name="decided"/>): never
    /// below the pathway's latency objective (<paramref name="sloMs"/>; or the baseline's own timeout, if the operator set
    /// it lower), because a timeout shorter than the objective fails calls that would still have been good, and those
    /// failures then look like a reason to cut further (the controller walked gateway → orders from 1000 ms down to the
    /// guardrails' 5 ms in one coldstart run, after which every call timed out). After healthy windows in a row a timeout
    /// below the baseline's grows back toward it by at most the step factor a window, like the limit.
    /// While <paramref name="window"/> shows the pathway saturated (calls shed by its concurrency limit, or waiting for a
    /// slot), a cut is refused and the timeout in force kept: the calls are slow because they queue, not because the target
    /// hangs, and a shorter timeout turns slow successes into failures and retries that queue again (the second quiet
    /// coldstart run of 2026-12-07: gateway → orders walked 977 → 558 ms while orders' slots were full, and the warm
    /// replay's restore phase served 42.9 % against 99.0 % in the run before). The concurrency limit answers overload.
    /// Null when the controller's decision stands.
    /// </summary>
    public static HormoneChange? GuardTimeout(BaselineState state, string pathway, PathwayHormones current, PathwayHormones decided, double sloMs, BaselineOptions options, DateTimeOffset now, VitalsWindow? window = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(decided);
        ArgumentNullException.ThrowIfNull(options);
        var floor = sloMs > 0 ? (int)Math.Ceiling(sloMs) : 0;
        if (state.TimeoutMs > 0)
        {
            floor = Math.Min(floor, state.TimeoutMs);
        }

        var target = Math.Max(decided.TimeoutMs, floor);
        var reason = $"timeout floor: never below the pathway's latency objective ({floor.ToString(CultureInfo.InvariantCulture)} ms)";
        var inForce = current.TimeoutMs;
        if (window is not null && Saturated(window) && target < inForce)
        {
            target = inForce;
            reason = $"overload hold: {window.Shed.ToString(CultureInfo.InvariantCulture)} calls shed, {window.Queued.ToString(CultureInfo.InvariantCulture)} queued (p95 wait {window.QueueWaitP95Ms.ToString("F0", CultureInfo.InvariantCulture)} ms); a shorter timeout would fail calls that are slow only because they queue";
        }

        if (Recovering(state, options) && state.TimeoutMs > 0 && inForce < state.TimeoutMs)
        {
            var raised = GrowBack(inForce, state.TimeoutMs, options);
            if (raised > target)
            {
                target = raised;
                reason = $"recovery: {state.Healthy} healthy windows in a row; the baseline's attempt timeout is {state.TimeoutMs.ToString(CultureInfo.InvariantCulture)} ms";
            }
        }

        return target == decided.TimeoutMs
            ? null
            : new HormoneChange(pathway, "timeoutMs", inForce.ToString(CultureInfo.InvariantCulture), target.ToString(CultureInfo.InvariantCulture), reason + (decided.TimeoutMs < inForce ? $"; replaces the controller's cut to {decided.TimeoutMs.ToString(CultureInfo.InvariantCulture)} ms" : string.Empty), now);
    }

    /// <summary>
    /// The dead band: drops every numeric change (old and new values both numbers) that moves the value by less than
    /// <see cref="BaselineOptions.DeadBand"/> of the value in force, so a trim and its recovery do not write back and forth
    /// in calm windows. Changes of other values (a switch, a name) and changes from 0 always pass.
    /// </summary>
    public static IReadOnlyList<HormoneChange> WithoutSmallChanges(IReadOnlyList<HormoneChange> changes, BaselineOptions options)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(options);
        if (options.DeadBand <= 0)
        {
            return changes;
        }

        return [.. changes.Where(change => !Small(change, options.DeadBand))];
    }

    private static bool Small(HormoneChange change, double deadBand) =>
        double.TryParse(change.OldValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var old)
        && double.TryParse(change.NewValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var proposed)
        && old != 0
        && Math.Abs(proposed - old) < deadBand * Math.Abs(old);

    // The pathway's limit is its bottleneck in this window: calls were shed, or waited for a slot.
    private static bool Saturated(VitalsWindow window) => window.Shed > 0 || window.Queued > 0 || window.QueueWaitP95Ms > 0;

    // Past the baseline's learning, after enough healthy windows in a row: cut values may grow back.
    private static bool Recovering(BaselineState state, BaselineOptions options) =>
        state.Windows > options.MinWindows && state.Healthy >= options.RecoveryWindows;

    // One recovery step from the value in force toward the baseline's: at least +1, at most the step factor, never past it.
    private static int GrowBack(int inForce, int baseline, BaselineOptions options) =>
        (int)Math.Min(baseline, Math.Max(inForce + 1, Math.Ceiling(inForce * options.RecoveryStepFactor)));

    private static bool Healthy(VitalsWindow window, double baselineP95Ms, BaselineOptions options) =>
        window.ServerErrors + window.Timeouts + window.TransportErrors + window.BreakerOpen == 0
        && baselineP95Ms > 0
        && window.LatencyP95Ms <= Math.Max(baselineP95Ms * options.HealthyLatencyFactor, window.SloMs);

    // The baseline is the best the pathway did while learning: the first windows of a cold organism are its slowest.
    private static double Lowest(double current, VitalsWindow window) =>
        window.LatencyP95Ms <= 0 ? current : current <= 0 ? window.LatencyP95Ms : Math.Min(current, window.LatencyP95Ms);
}
