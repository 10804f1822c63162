using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// Rolling-origin evaluation on a held-out period: from every origin in [<c>testStart</c>, end - horizon] the
/// forecaster predicts the next <c>horizon</c> buckets from everything before the origin (the held-out buckets
/// become history as time passes, as they would live; the model is not refitted). MASE is scaled by the
/// training period's one-step seasonal-naive error; coverage is that of the 80 % interval.
/// </summary>
public static class ForecastEvaluation
{
    /// <summary>Evaluates a fitted forecaster.</summary>
    public static ForecastScore Run(IForecaster forecaster, RateSeries series, int testStart, int horizon)
    {
        ArgumentNullException.ThrowIfNull(forecaster);
        ArgumentNullException.ThrowIfNull(series);
        var n = series.Values.Length;
        if (testStart <= series.SeasonLength || testStart + horizon > n)
        {
            throw new ArgumentOutOfRangeException(nameof(testStart), $"the held-out period must start after one season ({series.SeasonLength}) and hold at least {horizon} buckets (series {n}); got {testStart}");
        }

        var origins = n - horizon + 1 - testStart;
        var actual = new double[horizon][];
        var median = new double[horizon][];
        var lower = new double[horizon][];
        var upper = new double[horizon][];
        for (var k = 0; k < horizon; k++)
        {
            actual[k] = new double[origins];
            median[k] = new double[origins];
            lower[k] = new double[origins];
            upper[k] = new double[origins];
        }

        for (var i = 0; i < origins; i++)
        {
            var forecast = forecaster.Predict(series, testStart + i, horizon);
            for (var k = 0; k < horizon; k++)
            {
                actual[k][i] = series.Values[testStart + i + k];
                median[k][i] = forecast.Median[k];
                lower[k][i] = forecast.Lower[k];
                upper[k][i] = forecast.Upper[k];
            }
        }

        var inSample = series.Values.AsSpan(0, testStart);
        var perHorizon = new HorizonScore[horizon];
        for (var k = 0; k < horizon; k++)
        {
            perHorizon[k] = new HorizonScore(
                k + 1,
                ForecastMetrics.Mase(actual[k], median[k], inSample, series.SeasonLength),
                ForecastMetrics.Coverage(actual[k], lower[k], upper[k]),
                ForecastMetrics.MeanAbsoluteError(actual[k], median[k]));
        }

        var all = (Func<double[][], double[]>)(parts => [.. parts.SelectMany(p => p)]);
        return new ForecastScore(
            forecaster.Name,
            ForecastMetrics.Mase(all(actual), all(median), inSample, series.SeasonLength),
            ForecastMetrics.Coverage(all(actual), all(lower), all(upper)),
            perHorizon,
            new ForecastPath(testStart + horizon - 1, actual[horizon - 1], median[horizon - 1], lower[horizon - 1], upper[horizon - 1]));
    }
}

/// <summary>Scores of one forecaster on one held-out period: over all horizons, and per horizon.</summary>
/// <param name="Forecaster">The forecaster's name.</param>
/// <param name="Mase">MASE over every (origin, horizon) pair.</param>
/// <param name="Coverage">Share of actual values inside their 80 % interval.</param>
/// <param name="PerHorizon">The same per horizon.</param>
/// <param name="Longest">The longest horizon's forecasts, in time order (the plots).</param>
public sealed record ForecastScore(string Forecaster, double Mase, double Coverage, IReadOnlyList<HorizonScore> PerHorizon, ForecastPath Longest);

/// <summary>Scores at one horizon (buckets ahead).</summary>
public sealed record HorizonScore(int Horizon, double Mase, double Coverage, double MeanAbsoluteError);

/// <summary>Forecasts at one horizon for consecutive target buckets starting at <paramref name="FirstTarget"/>.</summary>
public sealed record ForecastPath(int FirstTarget, double[] Actual, double[] Median, double[] Lower, double[] Upper);
