using BioDapr.Cell.Hosting;
using BioDapr.Cell.Pathways;
using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Cell.Tests;

/// <summary>The rules a young pathway follows: a slow start that grows on success, and timeouts and a breaker that ease in.</summary>
public sealed class PathwayColdStartTests
{
    private static readonly PathwayHormones Hormones = new() { ConcurrencyLimit = 256, TimeoutMs = 1_000, BreakerMinThroughput = 20 };

    private static (FakeTimeProvider Time, CellReadiness Readiness, PathwayColdStart ColdStart) Young(int initialLimit = 16, int coldStartSeconds = 30)
    {
        var time = new FakeTimeProvider();
        var readiness = new CellReadiness(time);
        var coldStart = new PathwayColdStart(readiness, new WarmupOptions { InitialLimit = initialLimit, ColdStart = TimeSpan.FromSeconds(coldStartSeconds), ColdTimeoutFactor = 3 });
        return (time, readiness, coldStart);
    }

    [Fact]
    public void TheLimitStartsAtTheFloor_AndGrowsByOnePerSuccess_UpToTheHormone()
    {
        var (_, readiness, coldStart) = Young();
        readiness.SetReady();
        coldStart.Adjust(Hormones).ConcurrencyLimit.ShouldBe(16);

        for (var i = 0; i < 16; i++)
        {
            coldStart.Observe(PathwayOutcome.Success);
        }

        // One round trip of 16 successes doubles it.
        coldStart.Adjust(Hormones).ConcurrencyLimit.ShouldBe(32);
        for (var i = 0; i < 1_000; i++)
        {
            coldStart.Observe(PathwayOutcome.Success);
        }

        coldStart.Adjust(Hormones).ConcurrencyLimit.ShouldBe(256);
    }

    [Theory]
    [InlineData(PathwayOutcome.Timeout)]
    [InlineData(PathwayOutcome.ServerError)]
    [InlineData(PathwayOutcome.TransportError)]
    [InlineData(PathwayOutcome.Shed)]
    [InlineData(PathwayOutcome.BreakerOpen)]
    public void AFailureNeitherGrowsNorCutsTheLimit(PathwayOutcome outcome)
    {
        var (_, readiness, coldStart) = Young();
        readiness.SetReady();
        coldStart.Observe(PathwayOutcome.Success);
        for (var i = 0; i < 50; i++)
        {
            coldStart.Observe(outcome);
        }

        coldStart.Adjust(Hormones).ConcurrencyLimit.ShouldBe(17);
    }

    [Fact]
    public void OnceGrownToTheHormone_TheSlowStartIsOver_AndARaisedHormoneAppliesAtOnce()
    {
        var (_, readiness, coldStart) = Young(initialLimit: 4);
        readiness.SetReady();
        var small = Hormones with { ConcurrencyLimit = 8 };
        for (var i = 0; i < 4; i++)
        {
            coldStart.Observe(PathwayOutcome.Success);
        }

        coldStart.Adjust(small).ConcurrencyLimit.ShouldBe(8);
        coldStart.SlowStartLimit.ShouldBe(int.MaxValue);
        coldStart.Adjust(Hormones with { ConcurrencyLimit = 500 }).ConcurrencyLimit.ShouldBe(500);
    }

    [Fact]
    public void AHormoneBelowTheFloor_Wins()
    {
        var (_, readiness, coldStart) = Young();
        readiness.SetReady();
        coldStart.Adjust(Hormones with { ConcurrencyLimit = 3 }).ConcurrencyLimit.ShouldBe(3);
    }

    [Fact]
    public void TheSlowStartIsNotBoundedInTime_AnIdlePathwayStartsSlowWhenItsTrafficComes()
    {
        var (time, readiness, coldStart) = Young();
        readiness.SetReady();
        time.Advance(TimeSpan.FromMinutes(10));
        var hormones = coldStart.Adjust(Hormones);
        hormones.ConcurrencyLimit.ShouldBe(16);
        hormones.TimeoutMs.ShouldBe(1_000);
    }

    [Fact]
    public void TimeoutsAndTheBreakersMinimumThroughput_StartAtThreeTimes_AndEaseToTheHormonesOverTheWindow()
    {
        var (time, readiness, coldStart) = Young();
        // Before readiness (the warm-up's own calls): as cold as it gets.
        coldStart.Adjust(Hormones).TimeoutMs.ShouldBe(3_000);
        readiness.SetReady();
        coldStart.Adjust(Hormones).TimeoutMs.ShouldBe(3_000);
        coldStart.Adjust(Hormones).BreakerMinThroughput.ShouldBe(60);

        time.Advance(TimeSpan.FromSeconds(15));
        coldStart.Adjust(Hormones).TimeoutMs.ShouldBe(2_000);
        coldStart.Adjust(Hormones).BreakerMinThroughput.ShouldBe(40);

        time.Advance(TimeSpan.FromSeconds(15));
        coldStart.Adjust(Hormones).TimeoutMs.ShouldBe(1_000);
        coldStart.Adjust(Hormones).BreakerMinThroughput.ShouldBe(20);
    }

    [Fact]
    public void WithNoSlowStartAndNoWindow_TheHormonesApplyAsTheyAre()
    {
        var (_, _, coldStart) = Young(initialLimit: 0, coldStartSeconds: 0);
        coldStart.Adjust(Hormones).ShouldBe(Hormones);
    }
}
