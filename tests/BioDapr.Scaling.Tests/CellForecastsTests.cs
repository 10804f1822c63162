using BioDapr.Scaling.Forecasting;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Scaling.Tests;

public sealed class CellForecastsTests
{
    private static readonly CellForecastOptions Options = new() { BucketSeconds = 3600, RetrainMinutes = 60 * 6, HistoryDays = 3 };

    [Fact]
    public void RetrainsACellOnlyWithEnoughHistory_AndThenOnItsSchedule()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var fits = 0;
        var forecasts = new CellForecasts(() => { fits++; return new SeasonalNaiveForecaster(3); }, Options, time);
        var start = time.GetUtcNow();
        for (var hour = 0; hour < 47; hour++)
        {
            forecasts.Record("orders", start.AddHours(hour), 100 + hour);
        }

        forecasts.RetrainDue().ShouldBeEmpty();
        forecasts.Forecast("orders", 3).ShouldBeNull();

        forecasts.Record("orders", start.AddHours(47), 147);
        forecasts.RetrainDue().ShouldBe(["orders"]);
        forecasts.TrainedAt("orders").ShouldBe(time.GetUtcNow());
        var forecast = forecasts.Forecast("orders", 3);
        forecast.ShouldNotBeNull();
        forecast.Median.ShouldBe([124, 125, 126]); // one day earlier (seasonal-naive)

        time.Advance(TimeSpan.FromHours(5));
        forecasts.RetrainDue().ShouldBeEmpty();
        time.Advance(TimeSpan.FromHours(1));
        forecasts.RetrainDue().ShouldBe(["orders"]);
        fits.ShouldBe(2);
    }

    [Fact]
    public void KeepsOnlyTheConfiguredHistory_AndTheTimeOfDayOfItsFirstBucket()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(1), Options, time);
        var start = time.GetUtcNow();
        for (var hour = 0; hour < 24 * 5; hour++)
        {
            forecasts.Record("orders", start.AddHours(hour), hour);
        }

        forecasts.RetrainDue().ShouldBe(["orders"]);
        forecasts.Forecast("orders", 1)!.Median.ShouldBe([(24 * 5) - 24]);
    }

    [Fact]
    public void Record_RejectsADuplicateOrOutOfOrderBucket_AndFillsSkippedOnes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time);
        var start = time.GetUtcNow();
        forecasts.Record("orders", start, 10);
        Should.Throw<ArgumentException>(() => forecasts.Record("orders", start, 10)).Message.ShouldContain("recorded once");
        Should.Throw<ArgumentException>(() => forecasts.Record("orders", start.AddMinutes(90), 10)).Message.ShouldContain("not aligned");

        for (var hour = 1; hour < 24; hour++)
        {
            forecasts.Record("orders", start.AddHours(hour), 10);
        }

        // Hours 24 and 25 are skipped: filled with 20 and 30 between 10 and 40; then zeros up to 48 buckets.
        forecasts.Record("orders", start.AddHours(26), 40);
        for (var hour = 27; hour < 48; hour++)
        {
            forecasts.Record("orders", start.AddHours(hour), 0);
        }

        forecasts.RetrainDue().ShouldBe(["orders"]);
        forecasts.Forecast("orders", 3)!.Median.ShouldBe([20, 30, 40]); // seasonal-naive: hours 24..26, the filled ones included
    }

    [Fact]
    public void Record_RejectsAHostileCount()
    {
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(1), Options, TimeProvider.System);
        Should.Throw<ArgumentOutOfRangeException>(() => forecasts.Record("orders", DateTimeOffset.UnixEpoch, double.NaN)).Message.ShouldContain("orders");
        Should.Throw<ArgumentOutOfRangeException>(() => forecasts.Record("orders", DateTimeOffset.UnixEpoch, -1));
        Should.Throw<ArgumentException>(() => forecasts.Record("", DateTimeOffset.UnixEpoch, 1));
    }
}
