using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Scaling.Tests;

public sealed class CellScalerTests
{
    private static readonly CellForecastOptions Options = new() { BucketSeconds = 300 };

    [Fact]
    public async Task Reactive_AppliesTheHpaDecision_AndLeavesAnUnchangedCountAlone()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var scaler = new RecordingReplicaScaler(("orders", 4));
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time);
        var cell = new CellScaler("orders", new HpaPolicy(new HpaSettings { TargetUtilisation = 0.6 }), scaler, forecasts, Options, time);

        (await cell.StepAsync(new CellLoad(0.62, 20, 0), RecordingReplicaScaler.Running("orders", 4), TestContext.Current.CancellationToken)).ShouldBe(new CellDecision("orders", 4, CellDecision.Observed, Applied: false));
        time.Advance(TimeSpan.FromSeconds(15));
        (await cell.StepAsync(new CellLoad(0.9, 30, 0), RecordingReplicaScaler.Running("orders", 4), TestContext.Current.CancellationToken)).ShouldBe(new CellDecision("orders", 6, CellDecision.Observed, Applied: true));

        scaler.Scales.ShouldBe([("orders", 6)]);
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
        var scaler = new RecordingReplicaScaler(("orders", 2));
        var policy = new PredictivePolicy(new PredictiveSettings { Capacity = new CapacityModel(10, 0.5), ColdStart = TimeSpan.FromSeconds(60) });
        var cell = new CellScaler("orders", policy, scaler, forecasts, Options, time);

        var desired = await cell.StepAsync(new CellLoad(0.5, 10, 0), RecordingReplicaScaler.Running("orders", 2), TestContext.Current.CancellationToken);

        desired.ShouldBe(new CellDecision("orders", 20, CellDecision.Forecast, Applied: true)); // 100 req/s / (10 x 0.5), while the observed rate still needs 2
        scaler.Scales.ShouldBe([("orders", 20)]);
    }

    [Fact]
    public async Task WithoutARunner_TheDecisionIsPublishedOnly_AndARefusalIsReturnedNotThrown()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time);
        var policy = new HpaPolicy(new HpaSettings { TargetUtilisation = 0.5 });
        var published = new CellScaler("orders", policy, scaler: null, forecasts, Options, time);
        (await published.StepAsync(new CellLoad(1.0, 10, 0), running: null, TestContext.Current.CancellationToken)).ShouldBe(new CellDecision("orders", 2, CellDecision.Observed, Applied: false));

        var refusing = new RecordingReplicaScaler(("orders", 1)) { Refuse = "the runner refused PUT /v1.0/apps/orders/replicas: 409 a scale of orders is in progress" };
        var cell = new CellScaler("orders", new HpaPolicy(new HpaSettings { TargetUtilisation = 0.5 }), refusing, forecasts, Options, time);
        var decision = await cell.StepAsync(new CellLoad(1.0, 10, 0), RecordingReplicaScaler.Running("orders", 1), TestContext.Current.CancellationToken);

        decision.Applied.ShouldBeFalse();
        decision.Replicas.ShouldBe(2);
        decision.Error.ShouldBe("the runner refused PUT /v1.0/apps/orders/replicas: 409 a scale of orders is in progress");
    }

    [Fact]
    public async Task AScaleCallInFlight_DoesNotStopTheLoop_TheLatestDecisionIsAppliedAfterIt_AndItsFailureIsReported()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var runner = new GatedScaler();
        var forecasts = new CellForecasts(() => new SeasonalNaiveForecaster(3), Options, time);
        var cell = new CellScaler("orders", new HpaPolicy(new HpaSettings { TargetUtilisation = 0.5, ScaleDownStabilisation = TimeSpan.Zero }), runner, forecasts, Options, time);
        var ct = TestContext.Current.CancellationToken;

        // 1 -> 2: the call waits for the runner (a replica's cold start); the step returns at once.
        var first = await cell.StepAsync(new CellLoad(1.0, 10, 0), RecordingReplicaScaler.Running("orders", 1), ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        first.ShouldBe(new CellDecision("orders", 2, CellDecision.Observed, Applied: true));
        cell.ScaleInFlight.ShouldBeTrue();

        // Meanwhile the load rises: 2 -> 4 is decided and kept, not sent while the call is in flight.
        time.Advance(TimeSpan.FromSeconds(15));
        (await cell.StepAsync(new CellLoad(1.0, 20, 0), RecordingReplicaScaler.Running("orders", 2), ct)).ShouldBe(new CellDecision("orders", 4, CellDecision.Observed, Applied: false));
        runner.Calls.ShouldBe([2]);

        // The call ends: the next step applies the latest decision.
        runner.Answer();
        time.Advance(TimeSpan.FromSeconds(15));
        (await cell.StepAsync(new CellLoad(1.0, 20, 0), RecordingReplicaScaler.Running("orders", 2), ct)).ShouldBe(new CellDecision("orders", 4, CellDecision.Observed, Applied: true));
        runner.Calls.ShouldBe([2, 4]);

        // That call is refused after a while: reported at the first step after it ended, and the count tried again.
        runner.Refuse("503 1 of 2 new replicas of 'orders' did not start");
        time.Advance(TimeSpan.FromSeconds(15));
        var next = await cell.StepAsync(new CellLoad(1.0, 20, 0), RecordingReplicaScaler.Running("orders", 2), ct);
        next.Error.ShouldBe("503 1 of 2 new replicas of 'orders' did not start");
        next.Applied.ShouldBeTrue();
        runner.Calls.ShouldBe([2, 4, 4]);
    }

    /// <summary>A runner stand-in whose scale calls wait until the test answers or refuses them.</summary>
    private sealed class GatedScaler : BioDapr.Control.Replicas.IReplicaScaler
    {
        private TaskCompletionSource<BioDapr.Control.Replicas.CellReplicas>? _pending;

        public List<int> Calls { get; } = [];

        public Task<IReadOnlyList<BioDapr.Control.Replicas.CellReplicas>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<BioDapr.Control.Replicas.CellReplicas> ScaleAsync(string appId, int replicas, CancellationToken cancellationToken)
        {
            Calls.Add(replicas);
            _pending = new TaskCompletionSource<BioDapr.Control.Replicas.CellReplicas>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _pending.Task;
        }

        public void Answer() => _pending!.SetResult(RecordingReplicaScaler.Running("orders", Calls[^1]));

        public void Refuse(string reason) => _pending!.SetException(new BioDapr.Control.Replicas.ReplicaScalingException(reason));
    }
}
