namespace BioDapr.Gateway.Immune;

/// <summary>
/// Normal behaviour per hour of day (UTC): for each hour and feature an exponentially weighted mean and variance,
/// learned online from clean samples. The first samples of an hour are averaged plainly; later ones move it by at
/// least <see cref="MinimumWeight"/>, so the baseline follows a client that changes slowly (and the same hour
/// tomorrow starts from today's).
/// </summary>
internal sealed class HourlyBaseline
{
    public const int Requests = 0;
    public const int ErrorRatio = 1;
    public const int AuthRatio = 2;
    public const int LargeRatio = 3;
    public const int ReadRatio = 4;
    public const int Burstiness = 5;
    public const int Features = 6;

    private const double MinimumWeight = 0.005;
    private readonly double[] _mean = new double[24 * Features];
    private readonly double[] _variance = new double[24 * Features];
    private readonly int[] _samples = new int[24 * Features];

    /// <summary>Clean samples learned, all hours together.</summary>
    public long Samples { get; private set; }

    public void Learn(int hour, ReadOnlySpan<double> sample)
    {
        for (var feature = 0; feature < Features; feature++)
        {
            var value = sample[feature];
            if (double.IsNaN(value))
            {
                continue;
            }

            var i = (hour * Features) + feature;
            var n = ++_samples[i];
            var weight = Math.Max(1.0 / n, MinimumWeight);
            var delta = value - _mean[i];
            _mean[i] += weight * delta;
            _variance[i] = (1 - weight) * (_variance[i] + (weight * delta * delta));
        }

        Samples++;
    }

    public (double Mean, double Variance, int Samples) Get(int hour, int feature)
    {
        var i = (hour * Features) + feature;
        return (_mean[i], _variance[i], _samples[i]);
    }
}
