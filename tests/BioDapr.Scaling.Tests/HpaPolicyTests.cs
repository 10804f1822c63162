using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Tests;

public sealed class HpaPolicyTests
{
    private static ScalingObservation At(int second, int replicas, int ready, double utilisation) =>
        new(TimeSpan.FromSeconds(second), replicas, ready, utilisation, 0, 0, null, TimeSpan.FromMinutes(5), TimeSpan.Zero);

    [Fact]
    public void WithinTolerance_KeepsTheReplicaCount()
    {
        var hpa = new HpaPolicy(new HpaSettings { TargetUtilisation = 0.6 });
        hpa.Decide(At(15, 4, 4, 0.65)).ShouldBe(4); // ratio 1.083: inside 1 ± 0.1
        hpa.Decide(At(30, 4, 4, 0.55)).ShouldBe(4); // ratio 0.917
    }

    [Fact]
    public void AboveTarget_ScalesToCeilOfCurrentTimesRatio()
    {
        var hpa = new HpaPolicy(new HpaSettings { TargetUtilisation = 0.6 });
        hpa.Decide(At(15, 4, 4, 0.9)).ShouldBe(6); // ceil(4 x 0.9 / 0.6)
    }

    [Fact]
    public void ReplicasStillStarting_CountAsIdle_AndAReversedRatioDoesNotScale()
    {
        var hpa = new HpaPolicy(new HpaSettings { TargetUtilisation = 0.6 });
        // Ready ones at 100 %, but with the 2 starting ones at 0 % the ratio is 2 x 1.0 / (0.6 x 4) = 0.83: no scale-up.
        hpa.Decide(At(15, 4, 2, 1.0)).ShouldBe(4);
        // 3 of 4 ready at 100 %: 3 / (0.6 x 4) = 1.25 -> ceil(1.25 x 4) = 5.
        hpa.Decide(At(30, 4, 3, 1.0)).ShouldBe(5);
    }

    [Fact]
    public void ScaleDown_WaitsForTheStabilisationWindow()
    {
        var hpa = new HpaPolicy(new HpaSettings { TargetUtilisation = 0.5, ScaleDownStabilisation = TimeSpan.FromSeconds(300) });
        hpa.Decide(At(0, 10, 10, 0.5)).ShouldBe(10);
        for (var second = 15; second <= 300; second += 15)
        {
            hpa.Decide(At(second, 10, 10, 0.1)).ShouldBe(10, $"at {second} s the window still holds the recommendation of 10");
        }

        hpa.Decide(At(315, 10, 10, 0.1)).ShouldBe(2); // ceil(10 x 0.1 / 0.5)
    }

    [Fact]
    public void ScaleUp_IsLimitedToDoubleOrPlusFourPerPeriod_AndToMaxReplicas()
    {
        var hpa = new HpaPolicy(new HpaSettings { TargetUtilisation = 0.1, MaxReplicas = 50 });
        hpa.Decide(At(15, 1, 1, 1.0)).ShouldBe(5);    // wanted 10; max(2 x 1, 1 + 4) = 5
        hpa.Decide(At(30, 10, 10, 1.0)).ShouldBe(20); // wanted 100; max(20, 14) = 20
        hpa.Decide(At(45, 40, 40, 1.0)).ShouldBe(50); // capped by maxReplicas
    }
}
