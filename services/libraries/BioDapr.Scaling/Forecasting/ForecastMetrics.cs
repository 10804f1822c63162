namespace BioDapr.Scaling.Forecasting;

/// <summary>Forecast accuracy: MASE and interval coverage.</summary>
public static class ForecastMetrics
{
    /// <summary>
    /// Mean absolute scaled error (Hyndman and Koehler, 2006): the mean absolute error of the forecasts divided
    /// by the in-sample mean absolute error of the one-step seasonal-naive forecast (y[t] predicted by y[t - m])
    /// on <paramref name="inSample"/>. Below 1: better than that naive benchmark was in-sample.
    /// </summary>
    public static double Mase(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted, ReadOnlySpan<double> inSample, int seasonLength)
    {
        var scale = SeasonalNaiveScale(inSample, seasonLength);
        return MeanAbsoluteError(actual, predicted) / scale;
    }

    /// <summary>The in-sample mean absolute error of the one-step seasonal-naive forecast (MASE's denominator).</summary>
    public static double SeasonalNaiveScale(ReadOnlySpan<double> inSample, int seasonLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seasonLength, 1);
        if (inSample.Length <= seasonLength)
        {
            throw new ArgumentException($"the in-sample series ({inSample.Length} values) must be longer than one season ({seasonLength})", nameof(inSample));
        }

        var sum = 0.0;
        for (var t = seasonLength; t < inSample.Length; t++)
        {
            sum += Math.Abs(inSample[t] - inSample[t - seasonLength]);
        }

        var scale = sum / (inSample.Length - seasonLength);
        return scale > 0 ? scale : throw new ArgumentException("the in-sample series repeats exactly every season: MASE is undefined (its scale is 0)", nameof(inSample));
    }

    /// <summary>Mean absolute error.</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        if (actual.Length != predicted.Length || actual.Length == 0)
        {
            throw new ArgumentException($"actual ({actual.Length}) and predicted ({predicted.Length}) must be non-empty and of equal length");
        }

        var sum = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(actual[i] - predicted[i]);
        }

        return sum / actual.Length;
    }

    /// <summary>Fraction of <paramref name="actual"/> values inside [lower, upper] (bounds included).</summary>
    public static double Coverage(ReadOnlySpan<double> actual, ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        if (actual.Length != lower.Length || actual.Length != upper.Length || actual.Length == 0)
        {
            throw new ArgumentException($"actual ({actual.Length}), lower ({lower.Length}) and upper ({upper.Length}) must be non-empty and of equal length");
        }

        var inside = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            if (lower[i] > upper[i])
            {
                throw new ArgumentException($"interval {i} is inverted: lower {lower[i]} > upper {upper[i]}");
            }

            inside += actual[i] >= lower[i] && actual[i] <= upper[i] ? 1 : 0;
        }

        return (double)inside / actual.Length;
    }

    /// <summary>The <paramref name="p"/> quantile (linear interpolation between order statistics) of <paramref name="values"/>.</summary>
    public static double Quantile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var position = Math.Clamp(p, 0, 1) * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((sorted[above] - sorted[below]) * (position - below));
    }
}
