using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Tests;

public sealed class PredictivePolicyTests
{
    private static readonly PredictiveSettings Settings = new() { Capacity = new CapacityModel(10, 0.5), ColdStart = TimeSpan.FromSeconds(60) };

    // Upper bounds per 5-minute bucket: now 1500 (5 req/s), next 15000 (50 req/s), after 3000 (10 req/s).
    private static readonly Forecast Wave = new([1500, 15000, 3000], [1000, 12000, 2000], [1500, 15000, 3000]);

    private static ScalingObservation At(int second, int replicas, double rate, Forecast? forecast, int intoBucket) =>
        new(TimeSpan.FromSeconds(second), replicas, replicas, 0.5, rate, 0, forecast, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(intoBucket));

    [Fact]
    public void EarlyInABucket_PlansOnlyForTheBucketsTheColdStartReaches()
    {
        var policy = new PredictivePolicy(Settings);
        // 60 s in: now + 60 s cold start + 15 s period stays inside this bucket -> 5 req/s / (10 x 0.5) = 1.
        policy.Decide(At(60, 1, 5, Wave, 60)).ShouldBe(1);
    }

    [Fact]
    public void BeforeTheWave_ScalesUpOneColdStartAhead()
    {
        var policy = new PredictivePolicy(Settings);
        // 250 s in: 250 + 60 + 15 reaches the next bucket: 50 req/s / 5 = 10 replicas, while the observed rate is still 5 req/s.
        policy.Decide(At(250, 1, 5, Wave, 250)).ShouldBe(10);
    }

    [Fact]
    public void WithoutAForecast_FollowsTheObservedRateAndBacklog()
    {
        var policy = new PredictivePolicy(Settings);
        policy.Decide(new ScalingObservation(TimeSpan.FromSeconds(15), 1, 1, 1, 20, 300, null, TimeSpan.FromMinutes(5), TimeSpan.Zero))
            .ShouldBe(6); // (20 + 300 / 30) / 5 = 6
    }

    [Fact]
    public void ScaleDown_WaitsForItsStabilisationWindow()
    {
        var policy = new PredictivePolicy(Settings with { ScaleDownStabilisation = TimeSpan.FromSeconds(60), ColdStart = TimeSpan.FromSeconds(30) });
        policy.Decide(At(0, 1, 50, null, 0)).ShouldBe(10);
        policy.Decide(At(30, 10, 5, null, 30)).ShouldBe(10);
        policy.Decide(At(60, 10, 5, null, 60)).ShouldBe(10);
        policy.Decide(At(75, 10, 5, null, 75)).ShouldBe(1);
    }

    [Fact]
    public void ScaleDown_WaitsAtLeastOneColdStartAndPeriod_WhenItsWindowIsShorter()
    {
        // A 4 s window (a compressed replay's 120 s) against a 40 s cold start: a lull of 20 s must not give up a replica
        // that would take 40 s to come back; after cold start + period (55 s) of lower recommendations it may.
        var policy = new PredictivePolicy(Settings with { ScaleDownStabilisation = TimeSpan.FromSeconds(4), ColdStart = TimeSpan.FromSeconds(40) });
        policy.Decide(At(0, 1, 50, null, 0)).ShouldBe(10);
        policy.Decide(At(20, 10, 5, null, 20)).ShouldBe(10);
        policy.Decide(At(55, 10, 5, null, 55)).ShouldBe(10);
        policy.Decide(At(56, 10, 5, null, 56)).ShouldBe(1);
    }

    [Fact]
    public void CapacityModel_RejectsAnImpossibleTarget()
    {
        Should.Throw<InvalidOperationException>(() => new CapacityModel(10, 1.5).ReplicasFor(1)).Message.ShouldContain("target utilisation");
    }
}
