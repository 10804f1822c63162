using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Live;

/// <summary>
/// A stretch of a real trace replayed live in compressed time: <see cref="Buckets"/> of the trace's buckets from
/// <see cref="Start"/> (inside its held-out days), each replayed in <see cref="Bucket"/> (the trace's 5 minutes divided
/// by the compression factor), every count multiplied by <see cref="Scale"/> so the organism can carry it. The
/// buckets before <see cref="Start"/> are the forecaster's history, at the same scale.
/// </summary>
public sealed record TraceWindow(string Name, string Family, RateTrace Trace, int Start, int Buckets, double Scale, TimeSpan Bucket)
{
    /// <summary>The window's scaled counts, one per compressed bucket.</summary>
    public double[] Counts() => [.. Trace.Values.Skip(Start).Take(Buckets).Select(v => v * Scale)];

    /// <summary>Seconds replayed.</summary>
    public double Seconds => Buckets * Bucket.TotalSeconds;

    /// <summary>
    /// The scaled series as a forecaster may see it before the replay: history up to <see cref="Start"/>, the window and
    /// everything after it unknown (NaN) until <see cref="Observe"/> fills a completed bucket.
    /// </summary>
    public RateSeries History()
    {
        var values = Trace.Values.Select(v => v * Scale).ToArray();
        Array.Fill(values, double.NaN, Start, values.Length - Start);
        return new RateSeries(values, Trace.BucketsPerDay, Trace.PhaseOffset);
    }

    /// <summary>Records the arrivals counted in window bucket <paramref name="bucket"/> into <paramref name="history"/>.</summary>
    public void Observe(RateSeries history, int bucket, double arrivals)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, Buckets);
        history.Values[Start + bucket] = arrivals;
    }

    /// <summary>
    /// Picks the window of <paramref name="buckets"/> buckets from the held-out part (from <paramref name="testStart"/>)
    /// that shows the family's shape: <c>diurnal</c> the steepest rise (the largest mean of the window's last quarter over
    /// its first quarter, by their medians), <c>bursty</c> the largest bucket of the held-out days placed at the window's middle. The counts
    /// are scaled so the window's largest bucket is <paramref name="peakRate"/> requests per second in compressed time.
    /// </summary>
    public static TraceWindow Select(RateTrace trace, string family, int testStart, int buckets, double compression, double peakRate)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(compression, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakRate);
        var last = trace.Values.Length - buckets;
        if (testStart < 0 || testStart > last)
        {
            throw new ArgumentException($"trace {trace.Name}: {trace.Values.Length - Math.Max(0, testStart)} held-out buckets cannot hold a window of {buckets}");
        }

        int start;
        switch (family)
        {
            case "diurnal":
                var quarter = Math.Max(1, buckets / 4);
                start = testStart;
                var best = double.NegativeInfinity;
                for (var s = testStart; s <= last; s++)
                {
                    // Medians, so one spike does not pass for a rise.
                    var first = Median(trace.Values.Skip(s).Take(quarter)) + 1;
                    var end = Median(trace.Values.Skip(s + buckets - quarter).Take(quarter)) + 1;
                    if (end / first > best)
                    {
                        best = end / first;
                        start = s;
                    }
                }

                break;
            case "bursty":
                var peak = testStart;
                for (var i = testStart; i < trace.Values.Length; i++)
                {
                    peak = trace.Values[i] > trace.Values[peak] ? i : peak;
                }

                start = Math.Clamp(peak - (buckets / 2), testStart, last);
                break;
            default:
                throw new ArgumentException($"family '{family}' is not diurnal or bursty");
        }

        var bucket = TimeSpan.FromSeconds(trace.Step.TotalSeconds / compression);
        var max = trace.Values.Skip(start).Take(buckets).Max();
        var scale = max > 0 ? peakRate * bucket.TotalSeconds / max : 0;
        return new TraceWindow($"{family}-{trace.Name}", family, trace, start, buckets, scale, bucket);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// The arrival times (seconds from the replay's start) of a Poisson process at each bucket's rate (count / bucket
    /// seconds), from <paramref name="seed"/>: the same seed gives every policy the same arrivals.
    /// </summary>
    public IReadOnlyList<double> Arrivals(int seed)
    {
        var random = new Random(seed);
        var counts = Counts();
        var bucketSeconds = Bucket.TotalSeconds;
        var arrivals = new List<double>();
        for (var b = 0; b < counts.Length; b++)
        {
            var rate = counts[b] / bucketSeconds;
            if (rate <= 0)
            {
                continue;
            }

            // Memoryless: the process restarts at each bucket's start with that bucket's rate.
            var t = b * bucketSeconds;
            while (true)
            {
                t += -Math.Log(1 - random.NextDouble()) / rate;
                if (t >= (b + 1) * bucketSeconds)
                {
                    break;
                }

                arrivals.Add(t);
            }
        }

        return arrivals;
    }
}
