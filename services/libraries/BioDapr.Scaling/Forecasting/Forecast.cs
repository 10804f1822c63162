namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// A forecast of the next buckets: index 0 is one bucket ahead. <see cref="Median"/> is the point forecast;
/// [<see cref="Lower"/>, <see cref="Upper"/>] the central 80 % prediction interval (the 10 % and 90 % quantiles).
/// </summary>
public sealed record Forecast(double[] Median, double[] Lower, double[] Upper)
{
    /// <summary>Buckets covered.</summary>
    public int Horizon => Median.Length;
}
