using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Tests;

public sealed class BaselineForecasterTests
{
    [Fact]
    public void SeasonalNaive_ForecastsTheSameBucketsOneSeasonEarlier()
    {
        var series = Series.Seasonal(days: 4, season: 24, mean: 50, seed: 3);
        var forecaster = new SeasonalNaiveForecaster(3);
        forecaster.Fit(series, 72);

        var forecast = forecaster.Predict(series, 80, 3);

        forecast.Median.ShouldBe([series.Values[56], series.Values[57], series.Values[58]]);
        for (var k = 0; k < 3; k++)
        {
            forecast.Lower[k].ShouldBeLessThanOrEqualTo(forecast.Median[k]);
            forecast.Upper[k].ShouldBeGreaterThanOrEqualTo(forecast.Median[k]);
        }
    }

    [Fact]
    public void Forecasters_RefuseToPredictBeforeFitAndBeyondTheirHorizon()
    {
        var series = Series.Seasonal(days: 3, season: 24, mean: 50, seed: 3);
        var naive = new SeasonalNaiveForecaster(3);
        Should.Throw<InvalidOperationException>(() => naive.Predict(series, 30, 1)).Message.ShouldContain("not fitted");
        naive.Fit(series, 48);
        Should.Throw<ArgumentOutOfRangeException>(() => naive.Predict(series, 30, 4));
        Should.Throw<ArgumentOutOfRangeException>(() => naive.Predict(series, 10, 1)).Message.ShouldContain("one season");
    }

    [Fact]
    public void HoltWinters_OnATrendPlusSeasonSeries_ForecastsItClosely()
    {
        // y = 100 + 0.5 t + 20 sin(2 pi t / 24): additive trend and season, no noise.
        var values = Enumerable.Range(0, 24 * 10).Select(t => 100 + (0.5 * t) + (20 * Math.Sin(2 * Math.PI * t / 24))).ToArray();
        var series = new RateSeries(values, 24, 0);
        var forecaster = new HoltWintersForecaster(3);
        forecaster.Fit(series, 24 * 8);

        for (var origin = 24 * 8; origin <= values.Length - 3; origin += 7)
        {
            var forecast = forecaster.Predict(series, origin, 3);
            for (var k = 0; k < 3; k++)
            {
                forecast.Median[k].ShouldBe(values[origin + k], 1.0);
            }
        }
    }

    [Fact]
    public void HoltWinters_OnAConstantSeries_ForecastsTheConstantWithAZeroWidthInterval()
    {
        var series = new RateSeries(Enumerable.Repeat(42.0, 24 * 4).ToArray(), 24, 0);
        var forecaster = new HoltWintersForecaster(2);
        forecaster.Fit(series, 72);

        var forecast = forecaster.Predict(series, 80, 2);

        forecast.Median.ShouldBe([42, 42], tolerance: 1e-9);
        forecast.Lower.ShouldBe([42, 42], tolerance: 1e-9);
        forecast.Upper.ShouldBe([42, 42], tolerance: 1e-9);
    }

    [Fact]
    public void HoltWinters_OnNoisySeasonalData_BeatsSeasonalNaiveOnHeldOutMase()
    {
        var series = Series.Seasonal(days: 12, season: 24, mean: 80, seed: 5);
        var testStart = 24 * 9;
        var naive = new SeasonalNaiveForecaster(3);
        var holtWinters = new HoltWintersForecaster(3);
        naive.Fit(series, testStart);
        holtWinters.Fit(series, testStart);

        var naiveScore = ForecastEvaluation.Run(naive, series, testStart, 3);
        var hwScore = ForecastEvaluation.Run(holtWinters, series, testStart, 3);

        hwScore.Mase.ShouldBeLessThan(naiveScore.Mase);
        hwScore.PerHorizon.Count.ShouldBe(3);
        hwScore.Coverage.ShouldBeInRange(0.6, 0.95);
    }

    [Fact]
    public void HoltWinters_WithLessThanTwoSeasons_IsRejected()
    {
        var series = Series.Seasonal(days: 3, season: 24, mean: 50, seed: 3);
        Should.Throw<ArgumentOutOfRangeException>(() => new HoltWintersForecaster(3).Fit(series, 30)).Message.ShouldContain("two seasons");
    }
}
