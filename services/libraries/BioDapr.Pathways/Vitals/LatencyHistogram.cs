namespace BioDapr.Pathways.Vitals;

/// <summary>
/// A lock-free latency histogram with logarithmic buckets (2% relative precision, 1 µs to hours):
/// recording is one Interlocked increment, percentiles are read from the cumulative counts.
/// </summary>
public sealed class LatencyHistogram
{
    private const double Growth = 1.02;
    private const int BucketCount = 1_200;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _counts = new long[BucketCount + 1];
    private long _total;
    private long _sumMicros;
    private long _maxMicros;

    /// <summary>Samples recorded.</summary>
    public long Count => Interlocked.Read(ref _total);

    /// <summary>Records one latency.</summary>
    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(1, latency.Ticks / TimeSpan.TicksPerMicrosecond);
        Interlocked.Increment(ref _counts[Bucket(micros)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sumMicros, micros);
        long max;
        while (micros > (max = Interlocked.Read(ref _maxMicros)) && Interlocked.CompareExchange(ref _maxMicros, micros, max) != max)
        {
        }
    }

    /// <summary>The latency at quantile <paramref name="q"/> (0..1), in milliseconds; 0 when empty.</summary>
    public double PercentileMs(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= Math.Max(1, rank))
            {
                return Math.Min(UpperBoundMicros(i), Interlocked.Read(ref _maxMicros)) / 1000.0;
            }
        }

        return Interlocked.Read(ref _maxMicros) / 1000.0;
    }

    /// <summary>The mean latency in milliseconds.</summary>
    public double MeanMs => Count == 0 ? 0 : Interlocked.Read(ref _sumMicros) / 1000.0 / Count;

    /// <summary>The largest latency in milliseconds.</summary>
    public double MaxMs => Interlocked.Read(ref _maxMicros) / 1000.0;

    private static int Bucket(long micros) => (int)Math.Min(BucketCount, Math.Ceiling(Math.Log(micros) / LogGrowth));

    private static double UpperBoundMicros(int bucket) => Math.Pow(Growth, bucket);
}
