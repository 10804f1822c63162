using System.Globalization;
using System.Text;
using BioDapr.Simulation.Training;

namespace BioDapr.Simulation.Evaluation;

/// <summary>
/// Writes the suite benchmark's files (<c>results.csv</c>, <c>phases.csv</c>, <c>paired.csv</c>,
/// <c>report.md</c>) and renders its tables: efficiency per family and controller, the cortex's paired
/// differences per family, the per-phase differences against the tuned Gradient2 and AIMD, and the
/// issue's targets, each met or missed by how much.
/// </summary>
public static class SuiteReport
{
    /// <summary>The subject of the paired comparisons.</summary>
    public const string Subject = "cortex";

    /// <summary>Writes every file and returns the Markdown report.</summary>
    public static string Write(string directory, IReadOnlyList<EvaluationScenario> scenarios, IReadOnlyList<SuiteRun> runs, IReadOnlyList<SuitePaired> paired, TunedBaselineSet tuned, string command)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(paired);
        ArgumentNullException.ThrowIfNull(tuned);
        Directory.CreateDirectory(directory);
        var results = new StringBuilder("set,family,scenario,controller,seed,efficiency,p99_ms,violating_share,amplification_p95,max_recovery_s,unrecovered\n");
        foreach (var run in runs.OrderBy(r => r.Set, StringComparer.Ordinal).ThenBy(r => r.Scenario, StringComparer.Ordinal).ThenBy(r => r.Report.Controller, StringComparer.Ordinal).ThenBy(r => r.Report.Seed))
        {
            var r = run.Report;
            results.AppendLine(Invariant($"{run.Set},{run.Family},{run.Scenario},{r.Controller},{r.Seed},{r.Efficiency:F4},{r.P99Ms:F1},{r.ViolatingShare:F4},{r.AmplificationP95:F3},{r.MaxRecoverySeconds?.ToString("F1", CultureInfo.InvariantCulture) ?? string.Empty},{r.Unrecovered}"));
        }

        File.WriteAllText(Path.Combine(directory, "results.csv"), results.ToString());

        var phases = new StringBuilder("set,scenario,controller,phase,efficiency_mean,recovery_s_mean\n");
        foreach (var group in runs.GroupBy(r => (r.Set, r.Scenario, r.Report.Controller)).OrderBy(g => g.Key.Set, StringComparer.Ordinal).ThenBy(g => g.Key.Scenario, StringComparer.Ordinal).ThenBy(g => g.Key.Controller, StringComparer.Ordinal))
        {
            var first = group.First().Report;
            for (var p = 0; p < first.Phases.Count; p++)
            {
                var phase = p;
                var efficiencies = group.Select(r => r.Report.Phases[phase].Efficiency).Where(e => e is not null).Select(e => e!.Value).ToList();
                var recoveries = group.Select(r => r.Report.Phases[phase].RecoverySeconds).Where(e => e is not null).Select(e => e!.Value).ToList();
                phases.AppendLine(Invariant($"{group.Key.Set},{group.Key.Scenario},{group.Key.Controller},{p + 1:00}-{first.Phases[p].Phase},{(efficiencies.Count == 0 ? string.Empty : efficiencies.Average().ToString("F4", CultureInfo.InvariantCulture))},{(recoveries.Count == 0 ? string.Empty : recoveries.Average().ToString("F1", CultureInfo.InvariantCulture))}"));
            }
        }

        File.WriteAllText(Path.Combine(directory, "phases.csv"), phases.ToString());

        var csv = new StringBuilder("set,group,baseline,phase,difference,low,high,pairs,relative\n");
        foreach (var row in paired)
        {
            csv.AppendLine(Invariant($"{row.Set},{row.Group},{row.Baseline},{row.Phase},{row.Difference.Mean:F4},{row.Difference.Low:F4},{row.Difference.High:F4},{row.Difference.Pairs},{row.Relative:F4}"));
        }

        File.WriteAllText(Path.Combine(directory, "paired.csv"), csv.ToString());
        var report = Render(scenarios, runs, paired, tuned, command);
        File.WriteAllText(Path.Combine(directory, "report.md"), report);
        return report;
    }

    /// <summary>The Markdown report.</summary>
    public static string Render(IReadOnlyList<EvaluationScenario> scenarios, IReadOnlyList<SuiteRun> runs, IReadOnlyList<SuitePaired> paired, TunedBaselineSet tuned, string command)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(paired);
        ArgumentNullException.ThrowIfNull(tuned);
        var controllers = runs.Select(r => r.Report.Controller).Distinct().ToList();
        var seeds = runs.Select(r => r.Report.Seed).Distinct().Count();
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Command: `{command}`; {scenarios.Count(s => s.Set == "suite")} suite scenarios, {scenarios.Count(s => s.Set == "heldout")} held-out generated scenarios, {controllers.Count} controllers, {seeds} seeds each ({runs.Count} simulations)."));
        text.AppendLine(Invariant($"Tuned baselines: genetic search, {tuned.Settings.Population} candidates × {tuned.Settings.Generations} generations × {tuned.Settings.TrainingScenarios} training scenarios = {tuned.Settings.Budget} simulations each (seed {tuned.Settings.Seed}); training fitness default → tuned: {string.Join(", ", tuned.Baselines.Select(b => Invariant($"{b.Baseline} {b.DefaultFitness:F3} → {b.Fitness:F3}")))}."));
        text.AppendLine();
        foreach (var set in new[] { "suite", "heldout" })
        {
            var inSet = scenarios.Where(s => s.Set == set).ToList();
            if (inSet.Count == 0)
            {
                continue;
            }

            text.AppendLine(Invariant($"### Efficiency per scenario ({set}; mean over seeds; goodput ÷ oracle bound)"));
            text.AppendLine();
            text.AppendLine("| scenario | " + string.Join(" | ", controllers) + " |");
            text.AppendLine("|---|" + string.Concat(controllers.Select(_ => "---|")));
            foreach (var scenario in inSet)
            {
                var cells = controllers.Select(c => runs.Where(r => r.Set == set && r.Scenario == scenario.Scenario.Name && r.Report.Controller == c).Select(r => r.Report.Efficiency).DefaultIfEmpty(double.NaN).Average());
                var best = cells.Max();
                text.AppendLine($"| {scenario.Scenario.Name} | " + string.Join(" | ", cells.Select(v => v == best ? Invariant($"**{v:F3}**") : Invariant($"{v:F3}"))) + " |");
            }

            text.AppendLine();
            text.AppendLine(Invariant($"### The cortex minus each baseline ({set}; efficiency points, 95 % CI over seeds; * = excludes 0; relative in brackets)"));
            text.AppendLine();
            var baselines = controllers.Where(c => c != Subject).ToList();
            text.AppendLine("| group | " + string.Join(" | ", baselines) + " |");
            text.AppendLine("|---|" + string.Concat(baselines.Select(_ => "---|")));
            var groups = inSet.Select(s => s.Scenario.Name).Append("all").ToList();
            foreach (var group in groups)
            {
                var cells = baselines.Select(b => paired.FirstOrDefault(p => p.Set == set && p.Group == group && p.Baseline == b && p.Phase == "overall") is { } row ? Cell(row) : "–");
                text.AppendLine($"| {group} | " + string.Join(" | ", cells) + " |");
            }

            text.AppendLine();
        }

        text.AppendLine("### Per phase on the suite: the cortex minus tuned Gradient2 and tuned AIMD (points, 95 % CI)");
        text.AppendLine();
        text.AppendLine("| scenario | phase | − gradient2-tuned | − aimd-tuned | − static-tuned |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var row in paired.Where(p => p.Set == "suite" && p.Phase != "overall" && p.Baseline == "gradient2-tuned"))
        {
            string Other(string baseline) => paired.FirstOrDefault(p => p.Set == row.Set && p.Group == row.Group && p.Phase == row.Phase && p.Baseline == baseline) is { } o ? Cell(o) : "–";
            text.AppendLine($"| {row.Group} | {row.Phase} | {Cell(row)} | {Other("aimd-tuned")} | {Other("static-tuned")} |");
        }

        text.AppendLine();
        text.AppendLine(Targets(scenarios, runs, paired));
        return text.ToString();
    }

    /// <summary>The issue's item-6 targets (simulator part), each with the measured value.</summary>
    public static string Targets(IReadOnlyList<EvaluationScenario> scenarios, IReadOnlyList<SuiteRun> runs, IReadOnlyList<SuitePaired> paired)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(paired);
        var text = new StringBuilder("### Targets (issue 15, item 6; simulator)\n\n| target | measured | met? |\n|---|---|---|\n");
        var nonStationary = scenarios.Where(s => s.Set == "suite" && s.NonStationary).Select(s => s.Scenario.Name).ToHashSet(StringComparer.Ordinal);
        double Mean(string controller, Func<SuiteRun, bool> where) => runs.Where(r => r.Report.Controller == controller && where(r)).Select(r => r.Report.Efficiency).DefaultIfEmpty(double.NaN).Average();
        foreach (var (baseline, margin) in new[] { ("gradient2-tuned", 0.05), ("aimd-tuned", 0.05), ("static-tuned", 0.15) })
        {
            var mine = Mean(Subject, r => r.Set == "suite" && nonStationary.Contains(r.Scenario));
            var theirs = Mean(baseline, r => r.Set == "suite" && nonStationary.Contains(r.Scenario));
            var relative = (mine / theirs) - 1;
            var all = paired.FirstOrDefault(p => p.Set == "suite" && p.Group == "all" && p.Baseline == baseline && p.Phase == "overall");
            text.AppendLine(Invariant($"| cortex ≥ {margin:P0} above {baseline} on the suite's non-stationary scenarios | {relative:+0.0%;-0.0%} ({mine:F3} vs {theirs:F3}{(all is null ? string.Empty : $"; paired {Cell(all)}")}) | {(relative >= margin ? "yes" : Invariant($"no, short by {(margin - relative) * 100:F1} points of relative gain"))} |"));
        }

        var worst = paired.Where(p => p.Phase == "overall" && p.Group != "all" && p.Baseline != "none").OrderBy(p => p.Relative).FirstOrDefault();
        if (worst is not null)
        {
            text.AppendLine(Invariant($"| never more than 1 % below any baseline on any family (suite scenario or held-out family) | worst: {worst.Relative:+0.0%;-0.0%} against {worst.Baseline} on {worst.Group} ({worst.Set}) | {(worst.Relative >= -0.01 ? "yes" : "no")} |"));
        }

        var cortex = runs.Where(r => r.Report.Controller == Subject).ToList();
        if (cortex.Count > 0)
        {
            var amplification = Percentile(cortex.Select(r => r.Report.AmplificationP95).ToList(), 0.95);
            var recovery = cortex.Select(r => r.Report.MaxRecoverySeconds ?? 0).DefaultIfEmpty(0).Average();
            var worstRecovery = cortex.GroupBy(r => r.Scenario).Select(g => (g.Key, Mean: g.Average(r => r.Report.MaxRecoverySeconds ?? 0))).MaxBy(g => g.Mean);
            text.AppendLine(Invariant($"| retry amplification p95 ≤ 1.2 | {amplification:F2} (95th percentile over the cortex's runs of each run's p95) | {(amplification <= 1.2 ? "yes" : "no")} |"));
            text.AppendLine(Invariant($"| recovery ≤ 10 s | mean of each run's longest recovery {recovery:F1} s; worst scenario {worstRecovery.Key} {worstRecovery.Mean:F1} s | {(worstRecovery.Mean <= 10 ? "yes" : "no")} |"));
        }

        return text.ToString();
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(values.Count * q) - 1)];
    }

    private static string Cell(SuitePaired row) =>
        double.IsNaN(row.Difference.Mean) ? "–"
        : $"{Signed(row.Difference.Mean * 100, 1)} [{Signed(row.Difference.Low * 100, 1)}, {Signed(row.Difference.High * 100, 1)}]{(row.Difference.Significant ? "*" : string.Empty)} ({(double.IsFinite(row.Relative) ? Signed(row.Relative * 100, 0) + "%" : "–")})";

    // Rounded first, so a tiny negative prints as 0.0, not "-+0.0".
    private static string Signed(double value, int decimals)
    {
        var rounded = Math.Round(value, decimals);
        var format = decimals == 0 ? "+0;-0" : "+0.0;-0.0";
        return rounded == 0 ? (decimals == 0 ? "0" : "0.0") : rounded.ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
