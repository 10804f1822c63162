using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Scaling.Tests;

public sealed class ForecastScalingTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CellForecastOptions Options = new() { BucketSeconds = 300 };

    private static ForecastScalingSettings Settings(int max = 8) => new()
    {
        Cells = ["gateway", "orders", "payments"],
        NotApplied = ["gateway"],
        // 10 req/s per replica at 50 %: 10 req/s needs 2 replicas, the wave (100 req/s) 20, cut to the bound.
        Policy = new PredictiveSettings { Capacity = new CapacityModel(10, 0.5), ColdStart = TimeSpan.FromSeconds(60), MinReplicas = 1, MaxReplicas = max },
    };

    private static (FakeTimeProvider Time, ArrivalBook Book, CellForecasts Forecasts) Parts()
    {
        var time = new FakeTimeProvider(Start);
        return (time, new ArrivalBook(Options, time), new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time));
    }

    [Fact]
    public async Task History_TrainsTheForecaster_ThenTheWaveIsAskedForAheadWithinTheBound_AndTheGatewayIsNeverScaled()
    {
        var (time, book, forecasts) = Parts();
        var runner = new RecordingReplicaScaler(("gateway", 1), ("orders", 2), ("payments", 1));
        var scaling = new ForecastScaling(Settings(), forecasts, book, runner, Options, time);

        // Two days and a half of 5-minute buckets: 3000 arrivals (10 req/s), 30000 (100 req/s) in the 12:05 bucket.
        // Each bucket's arrivals come from two replicas' windows.
        for (var i = 0; i < (2 * 288) + 144; i++)
        {
            var calls = i % 288 == 145 ? 30_000 : 3000;
            time.SetUtcNow(Start.AddMinutes((5 * i) + 4));
            foreach (var cell in new[] { "gateway", "orders" })
            {
                book.Add(cell, time.GetUtcNow(), calls / 2, 0, 0.5);
                book.Add(cell, time.GetUtcNow(), calls - (calls / 2), 0, 0.5);
            }

            if (i == 288)
            {
                // One day in, 30 s after the last window (nothing arriving now): not enough history to train, so the
                // decision is the reactive floor on what was observed, the minimum.
                time.Advance(TimeSpan.FromSeconds(30));
                var early = await scaling.StepAsync(TestContext.Current.CancellationToken);
                early.Retrained.ShouldBeEmpty();
                scaling.Latest("orders").ShouldBe(new CellDecision("orders", 1, CellDecision.Observed, Applied: true));
            }
        }

        // 12:04 on day 3: buckets up to 11:55 are complete; the wave arrives at 12:05, within cold start + period.
        time.SetUtcNow(Start.AddDays(2).AddHours(12).AddMinutes(4).AddSeconds(30));
        var step = await scaling.StepAsync(TestContext.Current.CancellationToken);

        step.Retrained.ShouldBe(["gateway", "orders"], ignoreOrder: true);
        step.Problems.ShouldBeEmpty();
        scaling.Latest("orders").ShouldBe(new CellDecision("orders", 8, CellDecision.Forecast, Applied: true));
        scaling.Latest("gateway").ShouldBe(new CellDecision("gateway", 8, CellDecision.Forecast, Applied: false));
        scaling.Latest("payments").ShouldBeNull(); // no vitals: the endpoint answers the placeholder
        runner.Scales.ShouldBe([("orders", 1), ("orders", 8)]);
    }

    [Fact]
    public async Task NoVitals_NoDecision_NoScale()
    {
        var (time, book, forecasts) = Parts();
        var runner = new RecordingReplicaScaler(("orders", 3));
        var scaling = new ForecastScaling(Settings(), forecasts, book, runner, Options, time);

        var step = await scaling.StepAsync(TestContext.Current.CancellationToken);

        step.Decisions.ShouldBeEmpty();
        scaling.Latest("orders").ShouldBeNull();
        runner.Scales.ShouldBeEmpty();
    }

    [Fact]
    public async Task ObservedBurst_ScalesUpAtOnce_CappedAtMax_AndScaleDownWaitsButNeverGoesBelowOne()
    {
        var (time, book, forecasts) = Parts();
        var runner = new RecordingReplicaScaler(("orders", 1));
        var scaling = new ForecastScaling(Settings(max: 4), forecasts, book, runner, Options, time);

        time.SetUtcNow(Start.AddSeconds(10));
        book.Add("orders", time.GetUtcNow(), 15 * 100, 0, 1.0); // 100 req/s over the 15 s period: 20 replicas wanted
        (await scaling.StepAsync(TestContext.Current.CancellationToken)).Decisions.ShouldBe([new CellDecision("orders", 4, CellDecision.Observed, Applied: true)]);

        // Quiet afterwards: the stabilisation window (120 s) holds the count, then it drops to the minimum, 1.
        time.Advance(TimeSpan.FromSeconds(60));
        (await scaling.StepAsync(TestContext.Current.CancellationToken)).Decisions.Single().Replicas.ShouldBe(4);
        time.Advance(TimeSpan.FromSeconds(121));
        (await scaling.StepAsync(TestContext.Current.CancellationToken)).Decisions.Single().Replicas.ShouldBe(1);

        runner.Scales.ShouldBe([("orders", 4), ("orders", 1)]);
    }

    [Fact]
    public async Task RunnerDownOrRefusing_IsReportedAsAProblem_AndTheDecisionStillPublished()
    {
        var (time, book, forecasts) = Parts();
        var runner = new RecordingReplicaScaler(("orders", 1)) { Unreachable = true };
        var scaling = new ForecastScaling(Settings(), forecasts, book, runner, Options, time);
        time.SetUtcNow(Start.AddSeconds(10));
        book.Add("orders", time.GetUtcNow(), 15 * 30, 0, 1.0);

        var down = await scaling.StepAsync(TestContext.Current.CancellationToken);
        down.Problems.ShouldHaveSingleItem().ShouldContain("cannot be reached");
        scaling.Latest("orders").ShouldBe(new CellDecision("orders", 6, CellDecision.Observed, Applied: false));
        runner.Scales.ShouldBeEmpty();

        runner.Unreachable = false;
        runner.Refuse = "409 a scale of orders is in progress";
        var refused = await scaling.StepAsync(TestContext.Current.CancellationToken);
        refused.Problems.ShouldBe(["cell 'orders': scale to 6 refused: 409 a scale of orders is in progress"]);
        runner.Scales.ShouldBe([("orders", 6)]);
    }

    [Fact]
    public void BadBounds_AreRefusedWithTheValues()
    {
        var (time, book, forecasts) = Parts();
        var settings = Settings() with { Policy = Settings().Policy with { MinReplicas = 0 } };

        Should.Throw<ArgumentException>(() => new ForecastScaling(settings, forecasts, book, null, Options, time))
            .Message.ShouldStartWith("replica bounds must satisfy 1 <= min <= max, got min 0, max 8");
    }
}

public sealed class ArrivalBookTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Buckets_SumEveryReplica_WaitForTheGrace_AndAreHandedOverOnce()
    {
        var time = new FakeTimeProvider(Start);
        var book = new ArrivalBook(new CellForecastOptions { BucketSeconds = 60 }, time);
        book.Add("orders", Start.AddSeconds(30), 10, 0, 0);
        book.Add("orders", Start.AddSeconds(30), 5, 0, 0);    // another replica
        book.Add("orders", Start.AddSeconds(60), 7, 0, 0);    // ends on the boundary: its calls were in the first minute
        book.Add("orders", Start.AddSeconds(61), 100, 0, 0);

        time.SetUtcNow(Start.AddSeconds(65));
        book.TakeCompleted().ShouldBeEmpty(); // within the 10 s grace
        time.SetUtcNow(Start.AddSeconds(70));
        book.TakeCompleted().ShouldBe([("orders", Start, 22d)]);
        book.TakeCompleted().ShouldBeEmpty();

        book.Add("orders", Start.AddSeconds(59), 3, 0, 0); // late for a handed-over bucket: not counted twice
        book.Late.ShouldBe(1);
        time.SetUtcNow(Start.AddSeconds(130));
        book.TakeCompleted().ShouldBe([("orders", Start.AddSeconds(60), 100d)]);
    }

    [Fact]
    public void Load_IsTheRateOfTheLastPeriod_AndHostileInputIsRefused()
    {
        var time = new FakeTimeProvider(Start.AddSeconds(100));
        var book = new ArrivalBook(new CellForecastOptions { BucketSeconds = 60 }, time);
        book.Add("orders", Start.AddSeconds(80), 1000, 9, 0.2); // older than the period
        book.Add("orders", Start.AddSeconds(95), 150, 4, 0.4);
        book.Add("orders", Start.AddSeconds(99), 150, 2, 0.8);

        book.Load("orders", TimeSpan.FromSeconds(15)).ShouldBe(new CellLoad(0.6000000000000001, 20, 4));
        book.Load("nobody", TimeSpan.FromSeconds(15)).ShouldBe(new CellLoad(0, 0, 0));
        book.Seen("nobody").ShouldBeFalse();
        Should.Throw<ArgumentOutOfRangeException>(() => book.Add("orders", Start, -1, 0, 0)).Message.ShouldContain("calls (-1)");
        Should.Throw<ArgumentOutOfRangeException>(() => book.Add("orders", Start, 1, 0, double.NaN)).Message.ShouldContain("utilisation finite (NaN)");
    }
}
