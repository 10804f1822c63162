namespace BioDapr.Recycling.Soak;

/// <summary>The soak as a picture (ScottPlot): Redis memory on the left axis; keys and the orders, payments and vitals streams' lengths on the right; the retention marked.</summary>
internal static class SoakPlot
{
    public static void Write(IReadOnlyList<SoakSample> samples, TimeSpan retention, string path)
    {
        var plot = new ScottPlot.Plot();
        var minutes = samples.Select(s => s.Seconds / 60).ToArray();
        var memory = plot.Add.Scatter(minutes, samples.Select(s => s.UsedMemory / 1048576.0).ToArray());
        memory.LegendText = "Redis used_memory (MiB, left)";
        var right = plot.Axes.AddRightAxis();
        right.LabelText = "count";
        (string Legend, Func<SoakSample, double> Value)[] counts =
        [
            ("keys (right)", s => s.Keys),
            ("orders stream length (right)", s => s.OrdersStream),
            ("payments stream length (right)", s => s.PaymentsStream),
            ("vitals stream length (right)", s => s.VitalsStream),
        ];
        foreach (var (legend, value) in counts)
        {
            var series = plot.Add.Scatter(minutes, samples.Select(value).ToArray());
            series.LegendText = legend;
            series.Axes.YAxis = right;
        }

        var marker = plot.Add.VerticalLine(retention.TotalMinutes);
        marker.Text = "first retention period";
        marker.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.XLabel("minutes of steady load");
        plot.YLabel("MiB");
        plot.Title("BioDapr soak: Redis footprint under a steady order rate");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(path, 1100, 550);
    }
}
