using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using BioDapr.Scaling.Traces;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Scaling.Tests;

/// <summary>
/// The live loop in compressed time (the cortex's loop in <c>scale-live --policies cortex</c>): a seeded history, a
/// compressed season, buckets recorded a grace after they end, a measured cold start, a load read from late windows.
/// </summary>
public sealed class HistorySeedTests
{
    // 30x compressed: 10 s buckets, a 2880 s "day" of 288 buckets.
    private static readonly CellForecastOptions Compressed = new() { BucketSeconds = 10, SeasonSeconds = 2880, RetrainMinutes = 10_080 };
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static double[] TwoDays(Func<int, double> at) => [.. Enumerable.Range(0, 2 * 288).Select(at)];

    [Fact]
    public void Seed_TakesTheHistoryAndPhase_ANewHistoryDropsTheForecaster_TheSameOneMovedInTimeKeepsIt()
    {
        var time = new FakeTimeProvider(Start);
        var probes = new List<PhaseProbe>();
        var forecasts = new CellForecasts(() => { var p = new PhaseProbe(); probes.Add(p); return p; }, Compressed, time);
        var history = TwoDays(i => i % 288);

        forecasts.Seed("orders", Start, history, phase: 100).ShouldBeFalse();
        forecasts.LastBucket("orders").ShouldBe(Start.AddSeconds(10 * ((2 * 288) - 1)));
        forecasts.RetrainDue().ShouldBe(["orders"]);
        // The probe answers the phase of the bucket after the history: 100 + 576 buckets in a 288-bucket season.
        forecasts.Forecast("orders", 1)!.Median.ShouldBe([(100 + 576) % 288]);

        // The same values moved in time: the trained forecaster stays, and recording continues after the new last bucket.
        var later = Start.AddSeconds(10 * 1000);
        forecasts.Seed("orders", later, history, phase: 100).ShouldBeTrue();
        forecasts.Forecast("orders", 1).ShouldNotBeNull();
        forecasts.Record("orders", later.AddSeconds(10 * 576), 5);
        Should.Throw<ArgumentException>(() => forecasts.Record("orders", later.AddSeconds(10 * 575), 5)).Message.ShouldContain("recorded once");

        // Another history (the next scenario's trace): the forecaster learned the old one, so it is dropped until retrained.
        forecasts.Seed("orders", later, TwoDays(i => 7), phase: 3).ShouldBeFalse();
        forecasts.Forecast("orders", 1).ShouldBeNull();
        forecasts.RetrainDue().ShouldBe(["orders"]);
        forecasts.Forecast("orders", 1)!.Median.ShouldBe([(3 + 576) % 288]);
        probes.Count.ShouldBe(2);
    }

    [Fact]
    public void Seed_WithoutAPhase_TakesItFromTheClockInTheCompressedSeason()
    {
        var time = new FakeTimeProvider(Start);
        var forecasts = new CellForecasts(() => new PhaseProbe(), Compressed, time);
        // 01:00:00 is 360 buckets of 10 s after midnight: bucket 72 of the 288-bucket compressed season.
        forecasts.Seed("orders", Start.AddHours(1), TwoDays(_ => 1), phase: null);
        forecasts.RetrainDue();

        forecasts.Forecast("orders", 1)!.Median.ShouldBe([(72 + 576) % 288]);
    }

    [Fact]
    public void Seed_BadInput_IsRefusedWithWhatIsWrong()
    {
        var forecasts = new CellForecasts(() => new PhaseProbe(), Compressed, new FakeTimeProvider(Start));

        Should.Throw<ArgumentException>(() => forecasts.Seed("orders", Start.AddSeconds(5), [1, 2], null)).Message.ShouldContain("not aligned to 10 s buckets");
        Should.Throw<ArgumentException>(() => forecasts.Seed("orders", Start, [], null)).Message.ShouldContain("1 to 4032 buckets (14 days of 288), got 0");
        Should.Throw<ArgumentException>(() => forecasts.Seed("orders", Start, [1, double.NaN], null)).Message.ShouldContain("bucket 1 of the history is NaN");
        Should.Throw<ArgumentException>(() => forecasts.Seed("orders", Start, [1, -2], null)).Message.ShouldContain("bucket 1 of the history is -2");
        Should.Throw<ArgumentException>(() => forecasts.Seed("orders", Start, [1], 288)).Message.ShouldContain("phase 288 is outside the season's 0..287 buckets");
        forecasts.LastBucket("orders").ShouldBeNull();
    }

    [Fact]
    public void ATrainingOnTheOldHistory_IsNotInstalledOverASeedThatCameMeanwhile()
    {
        var time = new FakeTimeProvider(Start);
        CellForecasts? forecasts = null;
        var seededDuringFit = false;
        forecasts = new CellForecasts(
            () => new PhaseProbe(onFit: () =>
            {
                if (!seededDuringFit)
                {
                    seededDuringFit = true;
                    forecasts!.Seed("orders", Start, TwoDays(_ => 9), phase: 0);
                }
            }),
            Compressed,
            time);
        forecasts.Seed("orders", Start, TwoDays(_ => 1), phase: 0);

        forecasts.RetrainDue().ShouldBeEmpty();
        forecasts.Forecast("orders", 1).ShouldBeNull("the model of the replaced history was discarded");
        forecasts.RetrainDue().ShouldBe(["orders"]);
    }

    [Fact]
    public void Options_ASeasonThatIsNotWholeBuckets_OrAnUnknownForecaster_AreNamed()
    {
        var options = new CellForecastOptions { BucketSeconds = 7 * 10, SeasonSeconds = 2880, Forecaster = "prophet" };

        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(e => e.ErrorMessage).ToList();

        errors.ShouldBe([
            "Cortex:Forecasting:SeasonSeconds (2880) must be a multiple of BucketSeconds (70)",
            "Cortex:Forecasting:Forecaster 'prophet' is not one of quantile-gru, holt-winters, seasonal-naive",
        ]);
        new CellForecastOptions().SeasonLength.ShouldBe(288);
        Compressed.SeasonLength.ShouldBe(288);
    }

    [Fact]
    public void HandOverUntil_DropsCountsOfSeededBuckets_AndLaterWindowsForThemAreLate()
    {
        var time = new FakeTimeProvider(Start);
        var book = new ArrivalBook(Compressed, time) { Grace = TimeSpan.FromSeconds(2) };
        book.Add("orders", Start.AddSeconds(5), 40, 0, 0); // warm-up traffic before the replay

        book.HandOverUntil("orders", Start.AddSeconds(10)); // the seeded history ends with the bucket at 10 s
        book.Add("orders", Start.AddSeconds(19), 3, 0, 0);  // its last window, late
        book.Add("orders", Start.AddSeconds(21), 8, 0, 0);  // the replay's first bucket

        book.Late.ShouldBe(1);
        time.SetUtcNow(Start.AddSeconds(32));
        book.TakeCompleted().ShouldBe([("orders", Start.AddSeconds(20), 8d)]);
    }

    [Fact]
    public void Load_IsMeasuredUpToTheNewestWindowReceived_NotNow()
    {
        // Windows reach the cortex ~0.8 s after they close; a 3 s span ending now would miss that share of the arrivals.
        var time = new FakeTimeProvider(Start.AddSeconds(10.8));
        var book = new ArrivalBook(Compressed, time);
        for (var end = 1; end <= 10; end++)
        {
            book.Add("orders", Start.AddSeconds(end), 20, 1, 0.5); // 20 req/s, one-second windows
        }

        book.Load("orders", TimeSpan.FromSeconds(3)).ArrivalRate.ShouldBe(20);

        // Nothing received within a span: no load (the cell went quiet, or its vitals stopped).
        time.SetUtcNow(Start.AddSeconds(14));
        book.Load("orders", TimeSpan.FromSeconds(3)).ShouldBe(new CellLoad(0, 0, 0));
    }

    [Fact]
    public async Task ASeededCell_TrainsAndScalesAheadOfItsForecast_WithTheSeededColdStart_AndAcrossTheGrace()
    {
        var time = new FakeTimeProvider(Start);
        var options = Compressed;
        var book = new ArrivalBook(options, time) { Grace = TimeSpan.FromSeconds(2) };
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), options, time);
        var runner = new RecordingReplicaScaler(("orders", 1));
        var settings = new ForecastScalingSettings
        {
            Cells = ["orders"],
            ObservedWindow = TimeSpan.FromSeconds(3),
            // 10 req/s per replica at 70 %: 7 req/s each. Period 0.5 s, window 4 s (15 s and 120 s at 30x).
            Policy = new PredictiveSettings { Capacity = new CapacityModel(10, 0.7), ColdStart = TimeSpan.FromSeconds(1), Period = TimeSpan.FromSeconds(0.5), ScaleDownStabilisation = TimeSpan.FromSeconds(4), MaxReplicas = 6 },
        };
        var scaling = new ForecastScaling(settings, forecasts, book, runner, options, time);

        // Two compressed days from phase 98: 50 arrivals per 10 s bucket (5 req/s), 350 (35 req/s) at phase 100 each day.
        var history = TwoDays(i => (98 + i) % 288 == 100 ? 350 : 50);
        var end = Start.AddSeconds(10 * 600); // the replay starts after the history: phase (98 + 576) mod 288 = 98
        var first = end - TimeSpan.FromSeconds(10 * history.Length);
        Should.Throw<ArgumentException>(() => scaling.Seed("payments", first, history, 98, null)).Message.ShouldContain("not 'payments'");
        var seeded = scaling.Seed("orders", first, history, 98, TimeSpan.FromSeconds(12));
        seeded.ShouldBe(new SeedResult("orders", 576, first, end - TimeSpan.FromSeconds(10), false, TimeSpan.FromSeconds(12)));

        // At the replay's start (bucket phase 98): the wave at phase 100 is 20 s away; a 12 s cold start + 0.5 s period
        // reaches bucket 99 only, 1 replica. With the configured 1 s it would reach only bucket 98.
        time.SetUtcNow(end);
        book.Add("orders", end.AddSeconds(-0.2), 0, 0, 0); // a window of the seeded time: late, not recorded
        var step = await scaling.StepAsync(TestContext.Current.CancellationToken);
        step.Retrained.ShouldBe(["orders"]);
        scaling.Latest("orders").ShouldBe(new CellDecision("orders", 1, CellDecision.Forecast, Applied: false));

        // 9 s into bucket 98: 9 + 12.5 s reaches the wave (bucket 100): 35 / 7 = 5 replicas, before it arrives.
        for (var s = 1; s <= 9; s++)
        {
            book.Add("orders", end.AddSeconds(s), 5, 0, 0.5);
        }

        time.SetUtcNow(end.AddSeconds(9));
        (await scaling.StepAsync(TestContext.Current.CancellationToken)).Decisions.Single().ShouldBe(new CellDecision("orders", 5, CellDecision.Forecast, Applied: true));

        // 11 s in: bucket 98 ended 1 s ago and waits out its 2 s grace, so forecast bucket 0 is still bucket 98: the policy
        // skips it and plans from bucket 99 on (the wave stays in reach).
        book.Add("orders", end.AddSeconds(10), 5, 0, 0.5);
        book.Add("orders", end.AddSeconds(11), 5, 0, 0.5);
        time.SetUtcNow(end.AddSeconds(11));
        (await scaling.StepAsync(TestContext.Current.CancellationToken)).Decisions.Single().Replicas.ShouldBe(5);
        forecasts.LastBucket("orders").ShouldBe(end - TimeSpan.FromSeconds(10));
        time.SetUtcNow(end.AddSeconds(12));
        await scaling.StepAsync(TestContext.Current.CancellationToken);
        forecasts.LastBucket("orders").ShouldBe(end, "bucket 98 recorded after its grace");
        book.Late.ShouldBe(1);
        runner.Scales.ShouldBe([("orders", 5)]);
    }

    /// <summary>A forecaster that answers the phase of the bucket it is asked for (and can run code while it trains).</summary>
    private sealed class PhaseProbe(Action? onFit = null) : IForecaster
    {
        public string Name => "phase-probe";

        public int MaxHorizon => 3;

        public void Fit(RateSeries series, int trainEnd) => onFit?.Invoke();

        public Forecast Predict(RateSeries series, int origin, int horizon)
        {
            var phases = Enumerable.Range(origin, horizon).Select(i => (double)series.Phase(i)).ToArray();
            return new Forecast(phases, phases, phases);
        }
    }
}
