using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;

namespace BioDapr.Simulation.Evaluation;

/// <summary>Turns a simulation run into the figures the cortex benchmark reports (see <see cref="RunReport"/>).</summary>
public static class RunEvaluator
{
    /// <summary>Goodput share of the bound a second needs to count as recovered.</summary>
    public const double RecoveredShare = 0.9;

    /// <summary>Consecutive recovered seconds needed.</summary>
    public const int RecoveredSeconds = 3;

    /// <summary>Evaluates <paramref name="result"/> of <paramref name="scenario"/>.</summary>
    public static RunReport Evaluate(Scenario scenario, SimulationResult result, IReadOnlyList<DecisionRecord> decisions, IReadOnlyDictionary<string, PathwayHormones> initial, string controller, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(initial);
        var seconds = result.Seconds;
        var oracle = seconds.Select(s => OracleBound.ForSecond(scenario, s)).ToArray();
        var good = seconds.Select(s => (double)s.Goodput).ToArray();
        var violating = seconds.Select((s, i) => Violates(s, oracle[i])).ToArray();
        var phases = new List<PhaseReport>();
        var start = 0;
        for (var i = 0; i < scenario.Phases.Count; i++)
        {
            var phase = scenario.Phases[i];
            var length = (int)Math.Round(phase.Duration.TotalSeconds);
            var end = Math.Min(seconds.Count, start + length);
            var range = Enumerable.Range(start, Math.Max(0, end - start)).ToList();
            var phaseOracle = range.Sum(s => oracle[s]);
            var phaseGood = range.Sum(s => (long)seconds[s].Goodput);
            var disturbance = IsDisturbance(scenario, phase);
            double? recovery = null;
            var recovered = true;
            if (disturbance && i + 1 < scenario.Phases.Count && !IsDisturbance(scenario, scenario.Phases[i + 1]))
            {
                var nextLength = (int)Math.Round(scenario.Phases[i + 1].Duration.TotalSeconds);
                (recovery, recovered) = Recovery(good, oracle, end, Math.Min(seconds.Count, end + nextLength));
            }

            phases.Add(new PhaseReport(
                phase.Name,
                range.Sum(s => (long)seconds[s].Arrivals),
                phaseGood,
                phaseOracle,
                phaseOracle > 0 ? phaseGood / phaseOracle : null,
                P99(range.SelectMany(s => LatenciesOf(scenario, seconds[s]))),
                range.Count == 0 ? 0 : range.Count(s => violating[s]) / (double)range.Count,
                disturbance,
                recovery,
                recovered));
            start = end;
        }

        var totalOracle = oracle.Sum();
        var totalGood = seconds.Sum(s => (long)s.Goodput);
        var measured = phases.Where(p => p.RecoverySeconds is not null).ToList();
        return new RunReport(
            controller,
            seed,
            totalOracle > 0 ? totalGood / totalOracle : 0,
            totalGood,
            totalOracle,
            P99(seconds.SelectMany(s => LatenciesOf(scenario, s))),
            seconds.Count == 0 ? 0 : violating.Count(v => v) / (double)seconds.Count,
            AmplificationP95(decisions),
            measured.Count == 0 ? null : measured.Max(p => p.RecoverySeconds),
            measured.Count(p => !p.Recovered),
            phases,
            Timeline(seconds, oracle, decisions, initial));
    }

    /// <summary>A disturbance: a phase with faults, or whose rate exceeds the scenario's capacity.</summary>
    public static bool IsDisturbance(Scenario scenario, ScenarioPhase phase)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(phase);
        var peak = Math.Max(phase.Rate.At(TimeSpan.Zero, phase.Duration, scenario.CapacityRps), phase.Rate.At(phase.Duration, phase.Duration, scenario.CapacityRps));
        return phase.Faults.Count > 0 || peak > scenario.CapacityRps * 1.0001;
    }

    /// <summary>The 95th percentile, over decision windows with calls, of attempts ÷ calls; the worst pathway's.</summary>
    public static double AmplificationP95(IReadOnlyList<DecisionRecord> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var worst = 1.0;
        foreach (var pathway in decisions.GroupBy(d => d.Pathway))
        {
            var values = pathway.Where(d => d.Window.Calls > 0).Select(d => d.Window.Amplification).Order().ToList();
            if (values.Count > 0)
            {
                worst = Math.Max(worst, values[Math.Min(values.Count - 1, (int)Math.Ceiling(values.Count * 0.95) - 1)]);
            }
        }

        return worst;
    }

    private static (double? Seconds, bool Recovered) Recovery(double[] good, double[] oracle, int from, int until)
    {
        for (var t = from; t + RecoveredSeconds <= until; t++)
        {
            var ok = true;
            for (var k = t; k < t + RecoveredSeconds && ok; k++)
            {
                ok = oracle[k] <= 0 || good[k] >= RecoveredShare * oracle[k];
            }

            if (ok)
            {
                return (t - from, true);
            }
        }

        return (until - from, false);
    }

    // A window violates when its goodput falls more than 1 % short of the oracle bound for that second:
    // measured against what was reachable, not against arrivals (an overload second whose excess could
    // not be served by anyone is not the controller's violation).
    private static bool Violates(SimulatedSecond second, double oracle) =>
        oracle > 0 && second.Goodput < 0.99 * oracle;

    private static IEnumerable<double> LatenciesOf(Scenario scenario, SimulatedSecond second) =>
        second.Latencies.Concat(Enumerable.Repeat(scenario.Slo.ClientDeadlineMs, second.Abandoned));

    private static double P99(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)];
    }

    private static List<TimelinePoint> Timeline(IReadOnlyList<SimulatedSecond> seconds, double[] oracle, IReadOnlyList<DecisionRecord> decisions, IReadOnlyDictionary<string, PathwayHormones> initial)
    {
        var current = initial.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var points = new List<TimelinePoint>(seconds.Count);
        var next = 0;
        foreach (var second in seconds)
        {
            // Decisions made up to the start of this second are in force during it.
            while (next < decisions.Count && decisions[next].AtMs <= second.Second * 1000.0)
            {
                current[decisions[next].Pathway] = decisions[next].Chosen;
                next++;
            }

            points.Add(new TimelinePoint(
                second.Second,
                second.Arrivals,
                second.Goodput,
                oracle[second.Second],
                P99(second.Latencies),
                current.ToDictionary(p => p.Key, p => p.Value.ConcurrencyLimit, StringComparer.Ordinal),
                current.ToDictionary(p => p.Key, p => p.Value.TimeoutMs, StringComparer.Ordinal)));
        }

        return points;
    }
}
