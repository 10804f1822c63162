using System.Globalization;
using BioDapr.Scaling.Simulation;
using ScottPlot;

namespace BioDapr.Lab;

/// <summary>The scale benchmark's plots (ScottPlot, SVG): forecast vs actual with the 80 % interval, and replicas over time per policy.</summary>
internal static class ScalePlots
{
    private const int Width = 1400, Height = 600;

    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<TraceForecasts> forecasts, IReadOnlyList<ScalingRun> runs, IReadOnlyList<CostComparison> comparisons)
    {
        var written = new List<string>();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var trace in forecasts)
        {
            var gru = trace.Scores.Single(s => s.Forecaster == "quantile-gru").Longest;
            var count = Math.Min(gru.Actual.Length, 2 * 288);
            var xs = Enumerable.Range(0, count).Select(i => (i + gru.FirstTarget - trace.TrainBuckets) * 5 / 60.0).ToArray();
            var plot = new Plot();
            var band = plot.Add.FillY(xs, gru.Lower[..count], gru.Upper[..count]);
            band.FillColor = palette.GetColor(0).WithAlpha(0.25);
            band.LineColor = Colors.Transparent;
            band.LegendText = "80 % interval";
            var actual = plot.Add.ScatterLine(xs, gru.Actual[..count], Colors.Black);
            actual.LegendText = "actual";
            var median = plot.Add.ScatterLine(xs, gru.Median[..count], palette.GetColor(0));
            median.LegendText = "quantile-GRU median";
            plot.Title($"{trace.Trace}: 15-minute-ahead forecast vs actual, first 2 held-out days (arrivals per 5 min)");
            plot.XLabel("hours into the held-out period");
            plot.YLabel("arrivals per 5 min");
            plot.ShowLegend(Alignment.UpperRight);
            var path = Path.Combine(directory, $"forecast-{trace.Trace}.svg");
            plot.SaveSvg(path, Width, Height);
            written.Add(path);
        }

        foreach (var group in runs.GroupBy(r => r.Scenario))
        {
            // Replicas over time: the reactive run at the HPA's usual 60 % target, the predictive run that costs no more
            // with the fewest violations, and the fixed fleet.
            var reactive = group.Where(r => r.Policy == "reactive-hpa").MinBy(r => Math.Abs(r.Target - 0.6))!;
            var match = comparisons.Single(c => c.Scenario == group.Key && c.ReactiveTarget == reactive.Target);
            var shown = new List<ScalingRun>();
            if (match.PredictiveTarget is { } target)
            {
                shown.Add(group.Single(r => r.Policy == "predictive" && r.Target == target));
            }

            shown.Add(reactive);
            shown.AddRange(group.Where(r => r.Policy == "fixed"));
            var plot = new Plot();
            var hours = reactive.Timeline.Select(m => m.Minute / 60.0).ToArray();
            var load = plot.Add.ScatterLine(hours, [.. reactive.Timeline.Select(m => m.ArrivalRate / 10.0)], Colors.Gray);
            load.LegendText = "arrival rate ÷ 10 (req/s)";
            var c = 0;
            foreach (var run in shown)
            {
                var line = plot.Add.ScatterLine(hours, [.. run.Timeline.Select(m => (double)m.Replicas)], palette.GetColor(c++));
                line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{run.Policy} @ {run.Target:F2} ({run.SloViolatingSeconds} SLO-violating s, {run.ReplicaSeconds / 3600:F0} replica-h)");
            }

            plot.Title($"{group.Key}: replicas over time per policy");
            plot.XLabel("hours into the held-out period");
            plot.YLabel("replicas provisioned");
            plot.ShowLegend(Alignment.UpperRight);
            var path = Path.Combine(directory, $"replicas-{group.Key}.svg");
            plot.SaveSvg(path, Width, Height);
            written.Add(path);

            // Cost against violations for every target of the sweep.
            var frontier = new Plot();
            c = 0;
            foreach (var policy in group.GroupBy(r => r.Policy))
            {
                var points = policy.OrderBy(r => r.Target).ToList();
                var scatter = frontier.Add.Scatter(points.Select(r => r.ReplicaSeconds / 3600).ToArray(), points.Select(r => (double)r.SloViolatingSeconds).ToArray(), palette.GetColor(c++));
                scatter.LegendText = policy.Key;
                scatter.MarkerSize = 8;
                foreach (var point in points)
                {
                    frontier.Add.Text(point.Target.ToString("F2", CultureInfo.InvariantCulture), point.ReplicaSeconds / 3600, point.SloViolatingSeconds);
                }
            }

            frontier.Title($"{group.Key}: SLO-violating seconds against cost (labels: target utilisation)");
            frontier.XLabel("replica-hours");
            frontier.YLabel("SLO-violating seconds");
            frontier.ShowLegend(Alignment.UpperRight);
            path = Path.Combine(directory, $"cost-{group.Key}.svg");
            frontier.SaveSvg(path, Width, Height);
            written.Add(path);
        }

        return written;
    }
}
