using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Scaling.Tests;

public sealed class CellScalerTests
{
    private static readonly CellForecastOptions Options = new() { BucketSeconds = 300 };

    private sealed class RecordingScaler(int provisioned, int ready) : IReplicaScaler
    {
        public List<int> Sets { get; } = [];

        public Task<ReplicaCount> GetAsync(string appId, CancellationToken cancellationToken) => Task.FromResult(new ReplicaCount(provisioned, ready));

        public Task SetAsync(string appId, int replicas, CancellationToken cancellationToken)
        {
            Sets.Add(replicas);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Reactive_AppliesTheHpaDecision_AndLeavesAnUnchangedCountAlone()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var scaler = new RecordingScaler(4, 4);
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time);
        var cell = new CellScaler("orders", new HpaPolicy(new HpaSettings { TargetUtilisation = 0.6 }), scaler, forecasts, Options, time);

        (await cell.StepAsync(new CellLoad(0.62, 20, 0), TestContext.Current.CancellationToken)).ShouldBe(4);
        time.Advance(TimeSpan.FromSeconds(15));
        (await cell.StepAsync(new CellLoad(0.9, 30, 0), TestContext.Current.CancellationToken)).ShouldBe(6);

        scaler.Sets.ShouldBe([6]);
    }

    [Fact]
    public async Task Predictive_ScalesForTheForecastWaveBeforeItArrives()
    {
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time);
        // Two days of 5-minute buckets at 3000 (10 req/s), except a wave of 30000 (100 req/s) at 12:05 each day.
        for (var i = 0; i < 2 * 288; i++)
        {
            forecasts.Record("orders", start.AddMinutes(5 * i), i % 288 == 145 ? 30_000 : 3000);
        }

        time.Advance(TimeSpan.FromDays(2));
        forecasts.RetrainDue().ShouldBe(["orders"]);
        for (var i = 0; i < 144; i++)
        {
            forecasts.Record("orders", time.GetUtcNow().AddMinutes(5 * i), 3000);
        }

        // 12:04 on day 3: the bucket in progress (12:00) is calm, the wave starts in 60 s; the cold start is 60 s.
        time.SetUtcNow(start.AddDays(2).AddHours(12).AddMinutes(4));
        var scaler = new RecordingScaler(2, 2);
        var policy = new PredictivePolicy(new PredictiveSettings { Capacity = new CapacityModel(10, 0.5), ColdStart = TimeSpan.FromSeconds(60) });
        var cell = new CellScaler("orders", policy, scaler, forecasts, Options, time);

        var desired = await cell.StepAsync(new CellLoad(0.5, 10, 0), TestContext.Current.CancellationToken);

        desired.ShouldBe(20); // 100 req/s / (10 x 0.5), while the observed rate still needs 2
        scaler.Sets.ShouldBe([20]);
    }
}
