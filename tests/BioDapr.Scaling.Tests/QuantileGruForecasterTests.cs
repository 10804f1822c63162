using BioDapr.Scaling.Forecasting;

namespace BioDapr.Scaling.Tests;

public sealed class QuantileGruForecasterTests
{
    private static readonly QuantileGruOptions Small = new() { MaxHorizon = 3, Window = 12, Hidden = 16, Epochs = 8, BatchSize = 32, Seed = 11 };

    [Fact]
    public void Training_ReducesThePinballLoss()
    {
        var series = Series.Seasonal(days: 14, season: 24, mean: 60, seed: 2);
        using var forecaster = new QuantileGruForecaster(Small);

        forecaster.Fit(series, 24 * 12);

        forecaster.TrainingLosses.Count.ShouldBe(8);
        forecaster.TrainingLosses[^1].ShouldBeLessThan(forecaster.TrainingLosses[0] * 0.7);
    }

    [Fact]
    public void Training_WithOneSeed_GivesTheSameForecasts()
    {
        var series = Series.Seasonal(days: 10, season: 24, mean: 60, seed: 2);
        using var first = new QuantileGruForecaster(Small with { Epochs = 3 });
        using var second = new QuantileGruForecaster(Small with { Epochs = 3 });
        first.Fit(series, 24 * 8);
        second.Fit(series, 24 * 8);

        var a = first.Predict(series, 24 * 9, 3);
        var b = second.Predict(series, 24 * 9, 3);

        a.Median.ShouldBe(b.Median);
        a.Lower.ShouldBe(b.Lower);
        a.Upper.ShouldBe(b.Upper);
        first.TrainingLosses.ShouldBe(second.TrainingLosses);
    }

    [Fact]
    public void TrainedModel_BeatsSeasonalNaiveAndItsIntervalsAreOrdered()
    {
        var series = Series.Seasonal(days: 16, season: 24, mean: 60, seed: 4);
        var testStart = 24 * 13;
        using var gru = new QuantileGruForecaster(Small with { Epochs = 15 });
        var naive = new SeasonalNaiveForecaster(3);
        gru.Fit(series, testStart);
        naive.Fit(series, testStart);

        var gruScore = ForecastEvaluation.Run(gru, series, testStart, 3);
        var naiveScore = ForecastEvaluation.Run(naive, series, testStart, 3);

        gruScore.Mase.ShouldBeLessThan(naiveScore.Mase);
        gruScore.Coverage.ShouldBeInRange(0.5, 1.0);
        var path = gruScore.Longest;
        for (var i = 0; i < path.Median.Length; i++)
        {
            path.Lower[i].ShouldBeLessThanOrEqualTo(path.Median[i]);
            path.Median[i].ShouldBeLessThanOrEqualTo(path.Upper[i]);
        }
    }

    [Fact]
    public void Fit_WithTooLittleHistory_NamesWhatItNeeds()
    {
        var series = Series.Seasonal(days: 2, season: 24, mean: 60, seed: 2);
        using var forecaster = new QuantileGruForecaster(Small);
        Should.Throw<ArgumentOutOfRangeException>(() => forecaster.Fit(series, 48)).Message.ShouldContain("calibration");
    }
}
