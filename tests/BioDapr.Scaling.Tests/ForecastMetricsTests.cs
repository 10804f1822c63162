using BioDapr.Scaling.Forecasting;

namespace BioDapr.Scaling.Tests;

public sealed class ForecastMetricsTests
{
    [Fact]
    public void Mase_DividesTheErrorByTheInSampleSeasonalNaiveError()
    {
        // In-sample seasonal-naive (m = 3) errors: |2-1|, |3-2|, |4-3| = 1 each; forecast MAE = (1 + 2) / 2.
        double[] inSample = [1, 2, 3, 2, 3, 4];
        ForecastMetrics.Mase([5, 5], [4, 7], inSample, 3).ShouldBe(1.5, 1e-12);
        ForecastMetrics.SeasonalNaiveScale(inSample, 3).ShouldBe(1, 1e-12);
    }

    [Fact]
    public void Mase_OnAnExactlyRepeatingSeries_IsRejectedWithTheReason()
    {
        var error = Should.Throw<ArgumentException>(() => ForecastMetrics.Mase([1], [1], [1, 2, 1, 2], 2));
        error.Message.ShouldContain("scale is 0");
    }

    [Fact]
    public void Mase_WithoutOneSeasonOfHistory_IsRejected()
    {
        Should.Throw<ArgumentException>(() => ForecastMetrics.Mase([1], [1], [1, 2], 2)).Message.ShouldContain("longer than one season");
    }

    [Fact]
    public void Coverage_CountsValuesInsideTheirInterval_BoundsIncluded()
    {
        ForecastMetrics.Coverage([1, 2, 3, 4], [0, 2.5, 3, 5], [1, 3, 3, 6]).ShouldBe(0.5);
    }

    [Fact]
    public void Coverage_RejectsAnInvertedIntervalAndUnequalLengths()
    {
        Should.Throw<ArgumentException>(() => ForecastMetrics.Coverage([1], [2], [1])).Message.ShouldContain("inverted");
        Should.Throw<ArgumentException>(() => ForecastMetrics.Coverage([1, 2], [0], [3]));
    }

    [Fact]
    public void Quantile_InterpolatesBetweenOrderStatistics()
    {
        ForecastMetrics.Quantile([5, 1, 3, 2, 4], 0.1).ShouldBe(1.4, 1e-12);
        ForecastMetrics.Quantile([5, 1, 3, 2, 4], 0.5).ShouldBe(3);
        ForecastMetrics.Quantile([5, 1, 3, 2, 4], 1).ShouldBe(5);
    }
}
