using System.Globalization;
using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Simulation.Evaluation;

/// <summary>One second of a live replay at the entry cell, by the second the requests were scheduled in.</summary>
/// <param name="Second">Seconds since the replay started.</param>
/// <param name="Sent">Requests sent.</param>
/// <param name="Goodput">Succeeded within the SLO.</param>
/// <param name="Slow">Succeeded later than the SLO.</param>
/// <param name="Failed">Answered with an error or shed, or the connection failed.</param>
/// <param name="Abandoned">Not answered within the client deadline.</param>
/// <param name="LatenciesMs">Latencies of the answered requests, from the scheduled send time.</param>
public sealed record LiveSecond(int Second, int Sent, int Goodput, int Slow, int Failed, int Abandoned, IReadOnlyList<double> LatenciesMs);

/// <summary>
/// Evaluates a live replay of a scenario on the real cells with the same code, definitions and oracle
/// bound as a simulated run (<see cref="RunEvaluator"/>): the load generator's seconds become the
/// simulated seconds, and every pathway vitals window the cells published becomes a decision record
/// (for retry amplification) carrying the hormones in force at its end, replayed from the controller's
/// starting hormones and the cortex's audit records.
/// </summary>
public static class LiveRunEvaluator
{
    /// <summary>Evaluates one live run.</summary>
    /// <param name="scenario">The scenario as replayed (shortened, if it was).</param>
    /// <param name="seconds">The load generator's seconds.</param>
    /// <param name="startedAt">When the replay's second 0 began (wall clock, as the cells' windows are stamped).</param>
    /// <param name="windows">Vitals windows the cells published during the run (other kinds and pathways are ignored).</param>
    /// <param name="changes">Hormone changes the cortex made (its audit records).</param>
    /// <param name="initial">The hormones each pathway started with.</param>
    /// <param name="controller">The controller's name.</param>
    /// <param name="seed">The load's seed.</param>
    public static RunReport Evaluate(
        Scenario scenario,
        IReadOnlyList<LiveSecond> seconds,
        DateTimeOffset startedAt,
        IReadOnlyList<VitalsWindow> windows,
        IReadOnlyList<HormoneChange> changes,
        IReadOnlyDictionary<string, PathwayHormones> initial,
        string controller,
        int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(seconds);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(initial);
        var length = (int)Math.Ceiling(scenario.Duration.TotalSeconds);
        var bySecond = seconds.Where(s => s.Second >= 0 && s.Second < length).ToDictionary(s => s.Second);
        var simulated = new List<SimulatedSecond>(length);
        for (var t = 0; t < length; t++)
        {
            var second = new SimulatedSecond { Second = t };
            if (bySecond.TryGetValue(t, out var live))
            {
                second.Arrivals = live.Sent;
                second.Goodput = live.Goodput;
                second.Slow = live.Slow;
                second.Failed = live.Failed;
                second.Abandoned = live.Abandoned;
                second.Latencies.AddRange(live.LatenciesMs);
            }

            simulated.Add(second);
        }

        var pathways = new HashSet<string>(initial.Keys, StringComparer.Ordinal);
        var ordered = changes.Where(c => pathways.Contains(c.Pathway)).OrderBy(c => c.At).ToList();
        var inForce = initial.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var applied = 0;
        var decisions = new List<DecisionRecord>();
        var attempts = new Dictionary<string, long>(StringComparer.Ordinal);
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var window in windows.Where(w => w.Kind == VitalsKind.Pathway).OrderBy(w => w.End))
        {
            var pathway = window.Cell + "→" + window.Name;
            var at = (window.End - startedAt).TotalMilliseconds;
            if (!pathways.Contains(pathway) || at < 0 || at > length * 1000.0)
            {
                continue;
            }

            while (applied < ordered.Count && ordered[applied].At <= window.End)
            {
                var change = ordered[applied++];
                inForce[change.Pathway] = Apply(inForce[change.Pathway], change);
            }

            decisions.Add(new DecisionRecord(at, pathway, PathwayWindow.FromVitals(window), inForce[pathway]));
            attempts[pathway] = attempts.GetValueOrDefault(pathway) + window.Attempts;
            calls[pathway] = calls.GetValueOrDefault(pathway) + window.Calls;
        }

        var result = new SimulationResult(simulated, attempts, calls, new Dictionary<string, double>(), simulated.Sum(s => (long)s.Goodput + s.Slow + s.Failed + s.Abandoned), 0);
        return RunEvaluator.Evaluate(scenario, result, decisions, initial, controller, seed);
    }

    // The timeline follows the limit and the timeout; other hormones do not change its figures.
    private static PathwayHormones Apply(PathwayHormones hormones, HormoneChange change) => change.Hormone switch
    {
        "concurrencyLimit" when int.TryParse(change.NewValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) => hormones with { ConcurrencyLimit = limit },
        "timeoutMs" when int.TryParse(change.NewValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var timeout) => hormones with { TimeoutMs = timeout },
        _ => hormones,
    };
}
