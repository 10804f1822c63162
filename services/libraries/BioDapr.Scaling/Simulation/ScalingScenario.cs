using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Simulation;

/// <summary>
/// A scaling scenario derived from a real trace: the trace's buckets scaled by <see cref="RateScale"/>; the
/// buckets before <see cref="TestStart"/> are history (the forecaster trains on them), the rest are replayed:
/// every bucket's count spread evenly over its seconds as a Poisson arrival rate.
/// </summary>
public sealed record ScalingScenario(string Name, string Family, RateTrace Trace, double RateScale, int TestStart)
{
    /// <summary>The scaled series (history and replayed period).</summary>
    public RateSeries ScaledSeries() => new([.. Trace.Values.Select(v => v * RateScale)], Trace.BucketsPerDay, Trace.PhaseOffset);

    /// <summary>Seconds replayed.</summary>
    public int Seconds => (Trace.Values.Length - TestStart) * (int)Trace.Step.TotalSeconds;

    /// <summary>The arrival rate (requests per second) of replayed second <paramref name="second"/>.</summary>
    public double RateAt(int second)
    {
        var bucketSeconds = (int)Trace.Step.TotalSeconds;
        return Trace.Values[TestStart + (second / bucketSeconds)] * RateScale / bucketSeconds;
    }
}
