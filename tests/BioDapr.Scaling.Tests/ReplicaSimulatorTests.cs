using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;
using BioDapr.Scaling.Simulation;
using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Tests;

public sealed class ReplicaSimulatorTests
{
    // One day of 5-minute history at 30 req/s, then 2 replayed buckets at 30 req/s (9000 per bucket).
    private static ScalingScenario Flat(double perBucket = 9000) =>
        new("flat", "test", new RateTrace("flat", new DateTime(2020, 1, 1), TimeSpan.FromMinutes(5), [.. Enumerable.Repeat(perBucket, 288 + 2)], 0), 1, 288);

    private sealed class Constant(int replicas) : IScalingPolicy
    {
        public string Name => "constant";

        public TimeSpan Period => TimeSpan.FromSeconds(15);

        public int Decide(ScalingObservation observation) => replicas;
    }

    [Fact]
    public void AReplicaAddsCapacityOnlyAfterItsColdStart()
    {
        // 30 req/s needs 3 replicas of 10 req/s (and a bit more for Poisson bursts); one replica to start with.
        var cold = ReplicaSimulator.Run(Flat(), new Constant(5), new ReplicaSimulationSettings { ColdStart = TimeSpan.FromSeconds(120), Seed = 3 });
        var warm = ReplicaSimulator.Run(Flat(), new Constant(5), new ReplicaSimulationSettings { ColdStart = TimeSpan.Zero, Seed = 3 });

        // Until the first decision (15 s) plus the cold start (120 s) one replica serves a third of the load: violations throughout.
        cold.Timeline[0].ReadyReplicas.ShouldBe(1);
        cold.Timeline[0].Replicas.ShouldBe(5);
        cold.Timeline[0].ViolatingSeconds.ShouldBeGreaterThan(40);
        cold.Timeline[3].ReadyReplicas.ShouldBe(5);
        cold.SloViolatingSeconds.ShouldBeGreaterThan(warm.SloViolatingSeconds + 100);
        // Without a cold start: the 15 s before the first decision, then the backlog they left drains at 20 req/s.
        warm.SloViolatingSeconds.ShouldBeLessThanOrEqualTo(40);
        // Starting replicas cost from the moment they are asked for: 1 x 15 s, then 5 for the rest.
        cold.ReplicaSeconds.ShouldBe(15 + (5 * (600 - 15)));
    }

    [Fact]
    public void AnAmpleFixedFleet_HasNoViolations_AndOneSeedGivesOneResult()
    {
        var settings = new ReplicaSimulationSettings { InitialReplicas = 6, Seed = 9 };
        var first = ReplicaSimulator.Run(Flat(), new FixedFleetPolicy(6), settings);
        var second = ReplicaSimulator.Run(Flat(), new FixedFleetPolicy(6), settings);

        first.SloViolatingSeconds.ShouldBe(0);
        first.Dropped.ShouldBe(0);
        first.Arrivals.ShouldBeInRange(17_000, 19_000);
        second.ShouldBeEquivalentTo(first);
    }

    [Fact]
    public void AnOverloadedCell_DropsWhatWaitsBeyondTheTimeout()
    {
        var run = ReplicaSimulator.Run(Flat(), new Constant(1), new ReplicaSimulationSettings { Seed = 1 });

        run.Dropped.ShouldBeGreaterThan(5000);
        run.SloViolatingSeconds.ShouldBeGreaterThan(550);
    }

    [Fact]
    public void Resize_RemovesStartingReplicasBeforeReadyOnes_AndKeepsOne()
    {
        var replicas = new List<int> { 0, 0, 100, 200 };
        ReplicaSimulator.Resize(replicas, 2, 300);
        replicas.ShouldBe([0, 0]);
        ReplicaSimulator.Resize(replicas, 0, 300);
        replicas.ShouldBe([0]);
        ReplicaSimulator.Resize(replicas, 3, 300);
        replicas.ShouldBe([0, 300, 300]);
    }

    [Fact]
    public void ThePredictivePolicy_SeesOnlyCompletedBuckets()
    {
        var spy = new SpyForecaster();
        ReplicaSimulator.Run(Flat(), new PredictivePolicy(new PredictiveSettings { Capacity = new CapacityModel(10, 0.6), ColdStart = TimeSpan.FromSeconds(60) }), new ReplicaSimulationSettings(), spy);

        spy.Origins.ShouldBe([288, 289]);
        spy.SawFuture.ShouldBeFalse();
    }

    private sealed class SpyForecaster : IForecaster
    {
        public List<int> Origins { get; } = [];

        public bool SawFuture { get; private set; }

        public string Name => "spy";

        public int MaxHorizon => 3;

        public void Fit(RateSeries series, int trainEnd)
        {
        }

        public Forecast Predict(RateSeries series, int origin, int horizon)
        {
            Origins.Add(origin);
            SawFuture |= series.Values.Skip(origin).Any(v => !double.IsNaN(v));
            SawFuture |= series.Values.Take(origin).Any(double.IsNaN);
            return new Forecast(new double[horizon], new double[horizon], new double[horizon]);
        }
    }
}
