using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Scenarios;

namespace BioDapr.Simulation.Evaluation;

/// <summary>Writes the benchmark's result files and renders its table.</summary>
public static class BenchmarkFiles
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Writes <c>summary.json</c> (tuned baselines, summaries, every run without its timeline),
    /// <c>summary.csv</c>, <c>phases.csv</c>, <c>timeline.csv</c> (every controller on
    /// <paramref name="plotSeed"/>) and <c>plots.gp</c> (gnuplot: goodput, p99 and limits over time, SVG).
    /// </summary>
    public static void Write(string directory, Scenario scenario, TunedBaselines tuned, IReadOnlyList<ControllerSummary> summaries, IReadOnlyList<RunReport> runs, int plotSeed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(runs);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(new
        {
            scenario = scenario.Name,
            seeds = runs.Select(r => r.Seed).Distinct().Order().ToArray(),
            tuned,
            summaries,
            runs = runs.Select(r => r with { Timeline = [] }),
        }, Json));

        var csv = new StringBuilder("controller,efficiency_mean,efficiency_sd,p99_ms_mean,p99_ms_sd,violating_share_mean,amplification_p95_mean,max_recovery_s_mean,unrecovered\n");
        foreach (var s in summaries)
        {
            csv.AppendLine(Invariant($"{s.Controller},{s.Efficiency.Mean:F4},{s.Efficiency.Sd:F4},{s.P99Ms.Mean:F1},{s.P99Ms.Sd:F1},{s.ViolatingShare.Mean:F4},{s.AmplificationP95.Mean:F3},{s.MaxRecoverySeconds.Mean:F1},{s.Unrecovered}"));
        }

        File.WriteAllText(Path.Combine(directory, "summary.csv"), csv.ToString());

        var phases = new StringBuilder("controller,phase,efficiency_mean,recovery_s_mean\n");
        foreach (var s in summaries)
        {
            foreach (var phase in scenario.Phases)
            {
                phases.AppendLine(Invariant($"{s.Controller},{phase.Name},{Number(s.PhaseEfficiency[phase.Name], "F4")},{Number(s.PhaseRecoverySeconds[phase.Name], "F1")}"));
            }
        }

        File.WriteAllText(Path.Combine(directory, "phases.csv"), phases.ToString());

        var pathways = ScenarioRun.PathwaysOf(scenario.Topology);
        var timeline = new StringBuilder("controller,second,arrivals,goodput,oracle,p99_ms," + string.Join(",", pathways.Select(p => "limit_" + Safe(p))) + "," + string.Join(",", pathways.Select(p => "timeout_" + Safe(p))) + "\n");
        foreach (var run in runs.Where(r => r.Seed == plotSeed))
        {
            foreach (var point in run.Timeline)
            {
                timeline.Append(Invariant($"{run.Controller},{point.Second},{point.Arrivals},{point.Goodput},{point.Oracle:F1},{point.P99Ms:F1}"));
                foreach (var p in pathways)
                {
                    timeline.Append(Invariant($",{point.Limits.GetValueOrDefault(p)}"));
                }

                foreach (var p in pathways)
                {
                    timeline.Append(Invariant($",{point.TimeoutsMs.GetValueOrDefault(p)}"));
                }

                timeline.Append('\n');
            }
        }

        File.WriteAllText(Path.Combine(directory, "timeline.csv"), timeline.ToString());
        File.WriteAllText(Path.Combine(directory, "plots.gp"), Gnuplot(summaries.Select(s => s.Controller).ToList(), pathways, scenario));
    }

    /// <summary>The summary as a Markdown table (the same as printed).</summary>
    public static string Table(IReadOnlyList<ControllerSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var table = new StringBuilder("| controller | efficiency | p99 ms | SLO-violating windows | amplification p95 | max recovery s | unrecovered |\n|---|---|---|---|---|---|---|\n");
        foreach (var s in summaries)
        {
            table.AppendLine(Invariant($"| {s.Controller} | {s.Efficiency.Mean:F3} ± {s.Efficiency.Sd:F3} | {s.P99Ms.Mean:F0} ± {s.P99Ms.Sd:F0} | {s.ViolatingShare.Mean:P1} | {s.AmplificationP95.Mean:F2} | {s.MaxRecoverySeconds.Mean:F1} | {s.Unrecovered} |"));
        }

        return table.ToString();
    }

    /// <summary>Per-phase efficiency (and recovery after disturbances) as a Markdown table.</summary>
    public static string PhaseTable(IReadOnlyList<ControllerSummary> summaries, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(scenario);
        var table = new StringBuilder("| controller | " + string.Join(" | ", scenario.Phases.Select(p => p.Name)) + " |\n|---|" + string.Concat(scenario.Phases.Select(_ => "---|")) + "\n");
        foreach (var s in summaries)
        {
            table.Append(Invariant($"| {s.Controller} |"));
            foreach (var phase in scenario.Phases)
            {
                var recovery = s.PhaseRecoverySeconds[phase.Name] is { } r ? Invariant($" (rec {r:F0} s)") : string.Empty;
                table.Append(Invariant($" {Number(s.PhaseEfficiency[phase.Name], "F2", "n/a")}{recovery} |"));
            }

            table.Append('\n');
        }

        return table.ToString();
    }

    /// <summary>Writes <c>paired.csv</c> (every paired difference with its interval).</summary>
    public static void WritePaired(string directory, IReadOnlyList<PairedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder("baseline,phase,mean,low,high,pairs,significant\n");
        foreach (var row in rows)
        {
            var d = row.Difference;
            csv.AppendLine(Invariant($"{row.Baseline},{row.Phase},{d.Mean:F4},{d.Low:F4},{d.High:F4},{d.Pairs},{d.Significant}"));
        }

        File.WriteAllText(Path.Combine(directory, "paired.csv"), csv.ToString());
    }

    /// <summary>
    /// The cortex minus each baseline, in efficiency points with the 95 % interval: one row per baseline,
    /// one column per phase and overall (phases without a bound are n/a).
    /// </summary>
    public static string PairedTable(IReadOnlyList<PairedRow> rows, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(scenario);
        List<string> phases = ["overall", .. scenario.Phases.Select(p => p.Name)];
        var table = new StringBuilder("| cortex − baseline | " + string.Join(" | ", phases) + " |\n|---|" + string.Concat(phases.Select(_ => "---|")) + "\n");
        foreach (var baseline in rows.GroupBy(r => r.Baseline))
        {
            var cells = phases.Select(phase => baseline.FirstOrDefault(r => r.Phase == phase)?.Difference is { Pairs: > 0 } d && double.IsFinite(d.Mean)
                ? (double.IsFinite(d.Low) ? Invariant($"{d.Mean * 100:+0.0;-0.0} [{d.Low * 100:+0.0;-0.0}, {d.High * 100:+0.0;-0.0}]") : Invariant($"{d.Mean * 100:+0.0;-0.0}")) + (d.Significant ? "*" : string.Empty)
                : "n/a");
            table.AppendLine($"| {baseline.Key} | " + string.Join(" | ", cells) + " |");
        }

        return table.ToString();
    }

    private static string Gnuplot(List<string> controllers, IReadOnlyList<string> pathways, Scenario scenario)
    {
        var plot = new StringBuilder();
        plot.AppendLine("# gnuplot plots.gp (run in this directory): goodput, p99 and concurrency limits over time, one line per controller.");
        plot.AppendLine("set datafile separator ','");
        plot.AppendLine("set terminal svg size 1400,500 dynamic background '#ffffff'");
        plot.AppendLine("set key outside right");
        plot.AppendLine("set xlabel 'second'");
        var start = 0.0;
        foreach (var phase in scenario.Phases)
        {
            plot.AppendLine(Invariant($"set arrow from {start:F0}, graph 0 to {start:F0}, graph 1 nohead lc rgb '#cccccc'"));
            plot.AppendLine(Invariant($"set label '{phase.Name}' at {start + 2:F0}, graph 0.98 font ',8' rotate by 90 right"));
            start += phase.Duration.TotalSeconds;
        }

        void Plot(string file, string title, string ylabel, string column, bool log)
        {
            plot.AppendLine($"set output '{file}'");
            plot.AppendLine($"set title '{title}'");
            plot.AppendLine($"set ylabel '{ylabel}'");
            plot.AppendLine(log ? "set logscale y" : "unset logscale y");
            var lines = controllers.Select(c => $"'timeline.csv' using (strcol(1) eq '{c}' ? $2 : NaN):({column}) with lines title '{c}'");
            if (column == "$4")
            {
                lines = lines.Append("'timeline.csv' using (strcol(1) eq '" + controllers[0] + "' ? $2 : NaN):5 with lines dt 2 lc rgb 'black' title 'oracle bound'");
            }

            plot.AppendLine("plot " + string.Join(", \\\n     ", lines));
        }

        Plot("goodput.svg", "Goodput within the SLO (requests per second)", "requests/s", "$4", log: false);
        Plot("p99.svg", "p99 latency per second (ms)", "ms", "$6", log: true);
        for (var i = 0; i < pathways.Count; i++)
        {
            Plot($"limit-{Safe(pathways[i])}.svg", $"Concurrency limit of {pathways[i]}", "limit", $"${7 + i}", log: true);
            Plot($"timeout-{Safe(pathways[i])}.svg", $"Attempt timeout of {pathways[i]} (ms)", "ms", $"${7 + pathways.Count + i}", log: true);
        }

        return plot.ToString();
    }

    private static string Safe(string pathway) => pathway.Replace("→", "-to-", StringComparison.Ordinal);

    private static string Number(double? value, string format, string missing = "") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : missing;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
