using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Control.Controllers;

namespace BioDapr.Simulation.Tests;

public sealed class ControllerTests
{
    private static readonly PathwayHormones Fifty = PathwayHormones.Default with { ConcurrencyLimit = 50 };

    [Fact]
    public void Aimd_GrowsByOneWhileBusyAndHealthy_AndBacksOffOnADrop()
    {
        var aimd = new AimdController { MinLimit = 5 };

        var healthy = aimd.Decide("a→b", new PathwayWindow(1, 100, 100, 0, 0, 3, 1, InFlight: 30), Fifty);
        var idle = aimd.Decide("a→b", new PathwayWindow(1, 100, 100, 0, 0, 3, 1, InFlight: 2), Fifty);
        var dropped = aimd.Decide("a→b", new PathwayWindow(1, 100, 99, 1, 0, 3, 1, InFlight: 30) { Timeouts = 1 }, Fifty);
        var slow = aimd.Decide("a→b", new PathwayWindow(1, 100, 100, 0, 0, RttP50Ms: 6_000, 1, InFlight: 30), Fifty);
        var errorsOnly = aimd.Decide("a→b", new PathwayWindow(1, 100, 70, 30, 0, 3, 1, InFlight: 30), Fifty);
        var shedOnly = aimd.Decide("a→b", new PathwayWindow(1, 100, 80, 0, 20, 3, 1, InFlight: 50), Fifty);
        var floor = aimd.Decide("a→b", new PathwayWindow(1, 100, 0, 100, 0, 3, 1, InFlight: 30) { Timeouts = 100 }, Fifty with { ConcurrencyLimit = 5 });

        healthy.ConcurrencyLimit.ShouldBe(51);
        idle.ConcurrencyLimit.ShouldBe(50);
        dropped.ConcurrencyLimit.ShouldBe(45, "a timeout is a drop");
        slow.ConcurrencyLimit.ShouldBe(45, "slower than its 5 s timeout counts as a drop");
        errorsOnly.ConcurrencyLimit.ShouldBe(51, "errors that are not drops are ignored, as Netflix's AIMD does");
        shedOnly.ConcurrencyLimit.ShouldBe(51, "its own sheds are not samples");
        floor.ConcurrencyLimit.ShouldBe(5);
    }

    [Fact]
    public void Gradient2_ShrinksWhenShortLatencyOutgrowsTheLongAverage_AndGrowsWhenItDoesNot()
    {
        var gradient = new Gradient2Controller { MinLimit = 5 };
        var steady = Fifty;
        for (var i = 0; i < 20; i++)
        {
            steady = gradient.Decide("a→b", new PathwayWindow(1, 500, 500, 0, 0, RttP50Ms: 10, RttMinMs: 5, InFlight: 40), steady);
        }

        var grown = steady.ConcurrencyLimit;
        var slow = steady;
        for (var i = 0; i < 10; i++)
        {
            slow = gradient.Decide("a→b", new PathwayWindow(1, 500, 500, 0, 0, RttP50Ms: 60, RttMinMs: 5, InFlight: 40), slow);
        }

        grown.ShouldBeGreaterThan(50);
        slow.ConcurrencyLimit.ShouldBeLessThan(grown);
    }

    [Fact]
    public void AControlledSimulation_AppliesTheControllersLimits_WithinItsBounds()
    {
        var scenario = ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml")).Shortened(0.2);
        var simulator = new Simulator(scenario, new AimdController { MinLimit = 2, MaxLimit = 64 }, TimeSpan.FromSeconds(1), seed: 2);

        var result = simulator.Run();

        simulator.LimitChanges.ShouldNotBeEmpty();
        simulator.LimitChanges.ShouldAllBe(change => change.Limit >= 2 && change.Limit <= 64);
        result.Seconds.Sum(s => s.Goodput).ShouldBeGreaterThan(0);
    }
}
