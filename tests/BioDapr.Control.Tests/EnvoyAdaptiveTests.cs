using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Tests;

public sealed class EnvoyAdaptiveTests
{
    private static PathwayWindow Window(double p50) => new(1, 100, 100, 0, 0, p50, p50, 10);

    [Fact]
    public void ItMeasuresTheMinimumRttFirst_ThenGrowsWhileLatencyStaysNearIt_AndShrinksWhenItInflates()
    {
        var envoy = new EnvoyAdaptiveController { MinRttWindows = 2, MinRttIntervalSeconds = 1_000 };
        var hormones = envoy.Initial("a→b");
        hormones.ConcurrencyLimit.ShouldBe(3, "Envoy starts at the minimum while it measures");
        hormones = envoy.Decide("a→b", Window(12), hormones);
        hormones.ConcurrencyLimit.ShouldBe(3);
        hormones = envoy.Decide("a→b", Window(10), hormones);
        hormones.ConcurrencyLimit.ShouldBe(20, "measurement over: back to the initial limit, min RTT 10 ms");
        hormones = envoy.Decide("a→b", Window(10), hormones);
        hormones.ConcurrencyLimit.ShouldBe((int)Math.Round((20 * 1.25) + Math.Sqrt(20)), "gradient (10 + 2.5) / 10 plus √limit headroom");
        var grown = hormones.ConcurrencyLimit;
        hormones = envoy.Decide("a→b", Window(100), hormones);
        hormones.ConcurrencyLimit.ShouldBeLessThan(grown, "ten times the min RTT halves the limit (the gradient's floor is 0.5)");
    }

    [Fact]
    public void ItReMeasuresPeriodically_DroppingToTheMinimum()
    {
        var envoy = new EnvoyAdaptiveController { MinRttWindows = 1, MinRttIntervalSeconds = 5, JitterPercent = 0 };
        var hormones = envoy.Initial("a→b");
        var limits = new List<int>();
        for (var i = 0; i < 16; i++)
        {
            hormones = envoy.Decide("a→b", Window(10), hormones);
            limits.Add(hormones.ConcurrencyLimit);
        }

        limits.Select((l, i) => (l, i)).Where(x => x.l == 3).Select(x => x.i + 1).ShouldBe([6, 12], "a re-measurement every 5 windows after the last one ended");
        limits.Max().ShouldBeGreaterThan(20);
        envoy.Decide("c→d", Window(0), PathwayHormones.Default).ConcurrencyLimit.ShouldBe(20, "another pathway has its own state: its one-window measurement just ended");
    }
}
