using BioDapr.Control.Replicas;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Scaling.Tests;

public sealed class LiveScalingControllerTests
{
    private static readonly TimeSpan Service = TimeSpan.FromMilliseconds(200);

    private static HpaPolicy Hpa() => new(new HpaSettings { TargetUtilisation = 0.5, Period = TimeSpan.FromSeconds(1), ScaleDownStabilisation = TimeSpan.FromSeconds(10) });

    private static LiveScalingController Controller(IScalingPolicy policy, IReplicaScaler scaler, FakeTimeProvider time, int max = 6) =>
        new(policy, scaler, "orders", slots: 2, Service, minReplicas: 1, maxReplicas: max, time);

    // 1 s at 2 ready replicas of 2 slots x 200 ms = 20 req/s of capacity.
    private static LivePeriod Period(int completed, int arrivals = 0, int inFlight = 0) => new(TimeSpan.FromSeconds(1), arrivals, completed, inFlight);

    [Fact]
    public async Task Step_UtilisationFromCompletedRequests_DrivesTheHpaThroughTheRunner()
    {
        var time = new FakeTimeProvider();
        var scaler = new RecordingReplicaScaler(("orders", 2));
        var controller = Controller(Hpa(), scaler, time);

        time.Advance(TimeSpan.FromSeconds(1));
        var decision = await controller.StepAsync(Period(completed: 16, arrivals: 30, inFlight: 3), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken);
        await controller.DrainAsync();

        decision.ShouldNotBeNull();
        decision.Utilisation.ShouldBe(0.8, 1e-9); // 16 x 0.2 s / (1 s x 2 x 2); 3 in flight is less
        decision.ArrivalRate.ShouldBe(30);
        decision.Backlog.ShouldBe(0); // 3 in flight, 4 slots
        decision.Desired.ShouldBe(4); // ceil(2 x 0.8 / 0.5)
        decision.Action.ShouldBe("scale");
        scaler.Scales.ShouldBe([("orders", 4)]);
        controller.Applied.Single().Replicas.ShouldBe(4);
    }

    [Fact]
    public async Task Step_SwampedReplicasThatCompleteNothing_CountAsBusy()
    {
        var scaler = new RecordingReplicaScaler(("orders", 2));
        var controller = Controller(Hpa(), scaler, new FakeTimeProvider());

        var decision = await controller.StepAsync(Period(completed: 0, arrivals: 40, inFlight: 10), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken);
        await controller.DrainAsync();

        decision!.Utilisation.ShouldBe(1);
        decision.Backlog.ShouldBe(6);
        scaler.Scales.ShouldBe([("orders", 4)]);
    }

    [Fact]
    public async Task Step_UtilisationIsCappedAtOne_AndTheCountAtMaxReplicas()
    {
        var time = new FakeTimeProvider();
        var scaler = new RecordingReplicaScaler(("orders", 2));
        var controller = Controller(Hpa(), scaler, time, max: 3);

        var decision = await controller.StepAsync(Period(completed: 500), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, CancellationToken.None);
        await controller.DrainAsync();

        decision!.Utilisation.ShouldBe(1);
        decision.Desired.ShouldBe(3);
        scaler.Scales.ShouldBe([("orders", 3)]);
    }

    [Fact]
    public async Task Step_WhileAScaleCallIsInFlight_KeepsTheLatestDecision_AndAppliesItWhenTheCallReturns()
    {
        var time = new FakeTimeProvider();
        var scaler = new GatedScaler(2);
        var controller = Controller(new FixedSequence(4, 5, 6), scaler, time);

        (await controller.StepAsync(Period(0), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken))!.Action.ShouldBe("scale");
        await scaler.Called.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        (await controller.StepAsync(Period(0), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken))!.Action.ShouldBe("deferred");
        (await controller.StepAsync(Period(0), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken))!.Action.ShouldBe("deferred");
        scaler.Asked.ShouldBe([4]);

        scaler.Release();
        await controller.DrainAsync();

        scaler.Asked.ShouldBe([4, 6]); // 5 was overtaken by 6 before the first call returned
        controller.Applied.Select(a => a.Replicas).ShouldBe([4, 6]);
    }

    [Fact]
    public async Task Step_RunnerUnreachableOrRefusing_IsCountedNotThrown()
    {
        var time = new FakeTimeProvider();
        var scaler = new RecordingReplicaScaler(("orders", 2)) { Unreachable = true };
        var controller = Controller(Hpa(), scaler, time);

        (await controller.StepAsync(Period(16), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken)).ShouldBeNull();
        controller.Failures.Single().ShouldContain("cannot be reached");

        scaler.Unreachable = false;
        scaler.Refuse = "app 'orders' is no longer running";
        (await controller.StepAsync(Period(16), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken))!.Action.ShouldBe("scale");
        await controller.DrainAsync();
        controller.Failures.Count.ShouldBe(2);
        controller.Failures[1].ShouldContain("scale to 4: app 'orders' is no longer running");
        controller.Applied.ShouldBeEmpty();
    }

    [Fact]
    public async Task Step_UnknownApp_IsAFailureNamingIt()
    {
        var controller = Controller(Hpa(), new RecordingReplicaScaler(("inventory", 1)), new FakeTimeProvider());

        (await controller.StepAsync(Period(1), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken)).ShouldBeNull();
        controller.Failures.Single().ShouldContain("does not list app 'orders'");
    }

    [Fact]
    public async Task Step_NowCountsFromTheController_OnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var controller = Controller(Hpa(), new RecordingReplicaScaler(("orders", 2)), time);
        time.Advance(TimeSpan.FromSeconds(42));

        (await controller.StepAsync(Period(10), null, TimeSpan.FromSeconds(10), TimeSpan.Zero, TestContext.Current.CancellationToken))!.At.ShouldBe(TimeSpan.FromSeconds(42));
    }

    private sealed class FixedSequence(params int[] counts) : IScalingPolicy
    {
        private int _next;

        public string Name => "sequence";

        public TimeSpan Period => TimeSpan.FromSeconds(1);

        public int Decide(ScalingObservation observation) => counts[Math.Min(_next++, counts.Length - 1)];
    }

    // A runner whose first scale call waits until released.
    private sealed class GatedScaler(int replicas) : IReplicaScaler
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _replicas = replicas;

        public List<int> Asked { get; } = [];

        public Task Called => _called.Task;

        public void Release() => _release.TrySetResult();

        public Task<IReadOnlyList<CellReplicas>> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<CellReplicas>>([RecordingReplicaScaler.Running("orders", _replicas)]);

        public async Task<CellReplicas> ScaleAsync(string appId, int replicas, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(replicas);
            }

            _called.TrySetResult();
            await _release.Task;
            _replicas = replicas;
            return RecordingReplicaScaler.Running(appId, replicas);
        }
    }
}
