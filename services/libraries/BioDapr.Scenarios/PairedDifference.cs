using System.Globalization;

namespace BioDapr.Scenarios;

/// <summary>
/// The comparison of paired runs (each run's cold replay against the warm replay on the same organism): the mean of the
/// per-run differences, their standard deviation, and the 95 % confidence interval of the mean by Student's t with
/// n − 1 degrees of freedom. Pairing removes what the two replays of a run share (the machine's load at that time, the
/// organism's build), so the interval is the spread of the gap itself, not of either goodput.
/// </summary>
/// <param name="Runs">How many pairs.</param>
/// <param name="Mean">Mean difference (cold − warm), in the values' unit.</param>
/// <param name="StandardDeviation">Sample standard deviation of the differences (0 for one run).</param>
/// <param name="Low">Lower end of the 95 % interval of the mean (equal to the mean for one run: no interval).</param>
/// <param name="High">Upper end.</param>
public sealed record PairedDifference(int Runs, double Mean, double StandardDeviation, double Low, double High)
{
    // Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
    private static readonly double[] T95 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The paired difference of <paramref name="cold"/> and <paramref name="warm"/> (same length, run by run).</summary>
    public static PairedDifference Of(IReadOnlyList<double> cold, IReadOnlyList<double> warm)
    {
        ArgumentNullException.ThrowIfNull(cold);
        ArgumentNullException.ThrowIfNull(warm);
        if (cold.Count != warm.Count || cold.Count == 0)
        {
            throw new ArgumentException($"paired runs need as many cold values as warm ones, at least one (got {cold.Count} and {warm.Count})");
        }

        var differences = cold.Zip(warm, (c, w) => c - w).ToList();
        var n = differences.Count;
        var mean = differences.Average();
        if (n == 1)
        {
            return new PairedDifference(1, mean, 0, mean, mean);
        }

        var sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1));
        var half = (n - 1 <= T95.Length ? T95[n - 2] : 1.96) * sd / Math.Sqrt(n);
        return new PairedDifference(n, mean, sd, mean - half, mean + half);
    }

    /// <summary>Whether the whole interval lies within <paramref name="points"/> of zero on the cold side (cold ≥ warm − points).</summary>
    public bool WithinOf(double points) => Low >= -points;

    /// <inheritdoc/>
    public override string ToString() => Runs == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Mean:+0.0;-0.0;0.0} (one run: no interval)")
        : string.Create(CultureInfo.InvariantCulture, $"{Mean:+0.0;-0.0;0.0} (sd {StandardDeviation:F1}; 95 % interval {Low:+0.0;-0.0;0.0} to {High:+0.0;-0.0;0.0}; {Runs} runs)");
}
