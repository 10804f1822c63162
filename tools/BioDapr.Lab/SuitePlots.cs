using System.Globalization;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;
using ScottPlot;

namespace BioDapr.Lab;

/// <summary>
/// The benchmark's plots (ScottPlot, SVG): per-phase efficiency bars with 95 % intervals for every
/// suite scenario, the limit and timeout trajectories of every controller on one scenario (seed 1),
/// and the learning curves of the training runs (the CSV files <c>train</c> writes).
/// </summary>
internal static class SuitePlots
{
    private const int Width = 1400, Height = 600;

    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<EvaluationScenario> scenarios, IReadOnlyList<SuiteRun> runs, string curvesDirectory)
    {
        var written = new List<string>();
        var plots = Path.Combine(directory, "plots");
        Directory.CreateDirectory(plots);
        var controllers = runs.Select(r => r.Report.Controller).Distinct().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var scenario in scenarios.Where(s => s.Set == "suite"))
        {
            var mine = runs.Where(r => r.Set == scenario.Set && r.Scenario == scenario.Scenario.Name).ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            written.Add(PhaseBars(plots, scenario, mine, controllers, palette));
        }

        // Trajectories on the tight-SLO scenario (or the first suite scenario), seed 1.
        var focus = scenarios.FirstOrDefault(s => s.Set == "suite" && s.Family == "tight-slo") ?? (scenarios.Count > 0 ? scenarios[0] : null);
        if (focus is not null)
        {
            var seed = runs.Select(r => r.Report.Seed).DefaultIfEmpty(1).Min();
            var onFocus = runs.Where(r => r.Set == focus.Set && r.Scenario == focus.Scenario.Name && r.Report.Seed == seed).ToList();
            var pathway = onFocus.SelectMany(r => r.Report.Timeline.Take(1).SelectMany(t => t.Limits.Keys)).Distinct().Order(StringComparer.Ordinal).FirstOrDefault(p => p.StartsWith("gateway", StringComparison.Ordinal))
                ?? onFocus.SelectMany(r => r.Report.Timeline.Take(1).SelectMany(t => t.Limits.Keys)).FirstOrDefault();
            if (pathway is not null)
            {
                written.Add(Trajectory(plots, focus, onFocus, controllers, palette, pathway, "limit", t => t.Limits.GetValueOrDefault(pathway), "concurrency limit", logScale: true));
                written.Add(Trajectory(plots, focus, onFocus, controllers, palette, pathway, "timeout", t => t.TimeoutsMs.GetValueOrDefault(pathway), "attempt timeout, ms", logScale: true));
            }
        }

        if (LearningCurves(plots, curvesDirectory) is { } curves)
        {
            written.Add(curves);
        }

        return written;
    }

    private static string PhaseBars(string plots, EvaluationScenario scenario, List<SuiteRun> runs, List<string> controllers, ScottPlot.Palettes.Category10 palette)
    {
        var plot = new Plot();
        var phases = scenario.Scenario.Phases;
        var groupWidth = controllers.Count + 1.5;
        for (var c = 0; c < controllers.Count; c++)
        {
            var bars = new List<Bar>();
            for (var p = 0; p < phases.Count; p++)
            {
                var values = runs.Where(r => r.Report.Controller == controllers[c]).Select(r => r.Report.Phases[p].Efficiency).Where(e => e is not null).Select(e => e!.Value).ToList();
                if (values.Count == 0)
                {
                    continue;
                }

                var mean = values.Average();
                var half = values.Count < 2 ? 0 : PairedDifference.StudentT975(values.Count - 1) * Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) / Math.Sqrt(values.Count);
                bars.Add(new Bar { Position = (p * groupWidth) + c, Value = mean, Error = half, FillColor = palette.GetColor(c) });
            }

            var series = plot.Add.Bars(bars);
            series.LegendText = controllers[c];
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. phases.Select((_, p) => (p * groupWidth) + ((controllers.Count - 1) / 2.0))],
            [.. phases.Select(ph => ph.Name)]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Margins(bottom: 0);
        plot.Title($"{scenario.Scenario.Name}: efficiency per phase (mean, 95 % CI over seeds)");
        plot.YLabel("goodput ÷ oracle bound");
        plot.ShowLegend(Alignment.LowerRight);
        var path = Path.Combine(plots, $"phases-{scenario.Family}.svg");
        plot.SaveSvg(path, Width, Height);
        return path;
    }

    private static string Trajectory(string plots, EvaluationScenario scenario, List<SuiteRun> runs, List<string> controllers, ScottPlot.Palettes.Category10 palette, string pathway, string name, Func<TimelinePoint, double> value, string label, bool logScale)
    {
        var plot = new Plot();
        for (var c = 0; c < controllers.Count; c++)
        {
            if (runs.FirstOrDefault(r => r.Report.Controller == controllers[c]) is not { } run || run.Report.Timeline.Count == 0)
            {
                continue;
            }

            var xs = run.Report.Timeline.Select(t => (double)t.Second).ToArray();
            var ys = run.Report.Timeline.Select(t => logScale ? Math.Log10(Math.Max(1, value(t))) : value(t)).ToArray();
            var line = plot.Add.ScatterLine(xs, ys, palette.GetColor(c));
            line.LegendText = controllers[c];
            line.LineWidth = 1.5f;
        }

        var start = 0.0;
        foreach (var phase in scenario.Scenario.Phases)
        {
            start += phase.Duration.TotalSeconds;
            plot.Add.VerticalLine(start, 1, Colors.Gray);
        }

        if (logScale)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0, 1, 2, 3, 4], ["1", "10", "100", "1000", "10000"]);
        }

        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{scenario.Scenario.Name}, {pathway}: {label} per controller (seed {runs[0].Report.Seed}; grey lines: phase ends)"));
        plot.XLabel("seconds");
        plot.YLabel(label + (logScale ? " (log)" : string.Empty));
        plot.ShowLegend(Alignment.UpperRight);
        var path = Path.Combine(plots, $"trajectory-{name}.svg");
        plot.SaveSvg(path, Width, Height);
        return path;
    }

    private static string? LearningCurves(string plots, string curvesDirectory)
    {
        if (!Directory.Exists(curvesDirectory))
        {
            return null;
        }

        var files = Directory.GetFiles(curvesDirectory, "*.csv").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            return null;
        }

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < files.Count; i++)
        {
            // iteration,efficiency,reward,validation
            var rows = File.ReadAllLines(files[i]).Skip(1).Select(l => l.Split(',')).Where(f => f.Length >= 4).ToList();
            var training = plot.Add.ScatterLine(
                rows.Select(f => double.Parse(f[0], CultureInfo.InvariantCulture)).ToArray(),
                rows.Select(f => double.Parse(f[1], CultureInfo.InvariantCulture)).ToArray(),
                palette.GetColor(i));
            training.LegendText = Path.GetFileNameWithoutExtension(files[i]) + " (training)";
            var validated = rows.Where(f => f[3].Length > 0).ToList();
            if (validated.Count > 0)
            {
                var validation = plot.Add.ScatterLine(
                    validated.Select(f => double.Parse(f[0], CultureInfo.InvariantCulture)).ToArray(),
                    validated.Select(f => double.Parse(f[3], CultureInfo.InvariantCulture)).ToArray(),
                    palette.GetColor(i));
                validation.LinePattern = LinePattern.Dashed;
                validation.LegendText = Path.GetFileNameWithoutExtension(files[i]) + " (validation)";
            }
        }

        plot.Title("Learning curves: efficiency per PPO iteration, every training run (dashed: validation set)");
        plot.XLabel("iteration");
        plot.YLabel("goodput ÷ oracle bound");
        plot.ShowLegend(Alignment.LowerRight);
        var path = Path.Combine(plots, "learning-curves.svg");
        plot.SaveSvg(path, Width, Height);
        return path;
    }
}
