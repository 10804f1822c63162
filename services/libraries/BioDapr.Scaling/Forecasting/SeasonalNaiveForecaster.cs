using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// The seasonal-naive baseline: a bucket is forecast by the same bucket one season (a day) earlier. Its 80 %
/// interval adds the 10 % and 90 % quantiles of its in-sample errors to that value (floored at 0).
/// </summary>
public sealed class SeasonalNaiveForecaster(int maxHorizon) : IForecaster
{
    private double _lowerOffset;
    private double _upperOffset;
    private bool _fitted;

    /// <inheritdoc />
    public string Name => "seasonal-naive";

    /// <inheritdoc />
    public int MaxHorizon { get; } = maxHorizon;

    /// <inheritdoc />
    public void Fit(RateSeries series, int trainEnd)
    {
        ArgumentNullException.ThrowIfNull(series);
        var m = series.SeasonLength;
        if (trainEnd <= m || trainEnd > series.Values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(trainEnd), $"training needs more than one season ({m} buckets) within the series ({series.Values.Length}); got {trainEnd}");
        }

        var errors = new List<double>(trainEnd - m);
        for (var t = m; t < trainEnd; t++)
        {
            errors.Add(series.Values[t] - series.Values[t - m]);
        }

        _lowerOffset = ForecastMetrics.Quantile(errors, 0.1);
        _upperOffset = ForecastMetrics.Quantile(errors, 0.9);
        _fitted = true;
    }

    /// <inheritdoc />
    public Forecast Predict(RateSeries series, int origin, int horizon)
    {
        ArgumentNullException.ThrowIfNull(series);
        ForecastGuard.Check(_fitted, Name, series, origin, horizon, MaxHorizon);
        var median = new double[horizon];
        var lower = new double[horizon];
        var upper = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            var value = series.Values[origin + h - series.SeasonLength];
            median[h] = value;
            lower[h] = Math.Max(0, value + _lowerOffset);
            upper[h] = Math.Max(lower[h], value + _upperOffset);
        }

        return new Forecast(median, lower, upper);
    }
}
