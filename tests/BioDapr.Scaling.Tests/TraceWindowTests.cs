using BioDapr.Scaling.Live;
using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Tests;

public sealed class TraceWindowTests
{
    // Two days of 5-minute buckets: flat 100, with a rise to 400 over day 2's buckets 100..112 and one spike of 2,000 at 500.
    private static RateTrace Trace()
    {
        var values = Enumerable.Repeat(100.0, 2 * 288).ToArray();
        for (var i = 100; i < 112; i++)
        {
            values[288 + i] = 100 + (300.0 * (i - 100) / 12);
        }

        for (var i = 112; i < 200; i++)
        {
            values[288 + i] = 400;
        }

        values[500] = 2_000;
        return new RateTrace("test", new DateTime(2020, 1, 1), TimeSpan.FromMinutes(5), values, 0);
    }

    [Fact]
    public void Select_Bursty_PutsTheLargestHeldOutBucketInTheMiddle_AndScalesItToThePeakRate()
    {
        var window = TraceWindow.Select(Trace(), "bursty", 288, 16, compression: 30, peakRate: 20);

        window.Start.ShouldBe(500 - 8);
        window.Bucket.ShouldBe(TimeSpan.FromSeconds(10));
        window.Counts().Max().ShouldBe(20 * 10, 1e-9); // 20 req/s over a 10 s bucket
        window.Seconds.ShouldBe(160);
    }

    [Fact]
    public void Select_Diurnal_PicksTheWindowThatRises_NotTheOneWithASpike()
    {
        var window = TraceWindow.Select(Trace(), "diurnal", 288, 16, compression: 30, peakRate: 20);
        var counts = window.Counts();

        counts[^1].ShouldBe(200, 1e-9); // 400, the window's peak, scaled to 20 req/s x 10 s
        counts[0].ShouldBeLessThanOrEqualTo(counts[^1] / 2);
        window.Start.ShouldBeInRange(288 + 85, 288 + 100); // on the rise, not at the spike (bucket 500)
    }

    [Fact]
    public void Select_BadInput_NamesWhatIsWrong()
    {
        Should.Throw<ArgumentException>(() => TraceWindow.Select(Trace(), "weekly", 288, 16, 30, 20)).Message.ShouldContain("'weekly' is not diurnal or bursty");
        Should.Throw<ArgumentException>(() => TraceWindow.Select(Trace(), "bursty", 570, 16, 30, 20)).Message.ShouldContain("cannot hold a window of 16");
    }

    [Fact]
    public void Arrivals_SameSeed_GiveTheSameArrivals_AtEachBucketsRate()
    {
        var window = TraceWindow.Select(Trace(), "diurnal", 288, 16, compression: 30, peakRate: 20);
        var first = window.Arrivals(7);

        window.Arrivals(7).ShouldBe(first);
        window.Arrivals(8).ShouldNotBe(first);
        first.ShouldBe(first.Order().ToList());
        first.ShouldAllBe(t => t >= 0 && t < window.Seconds);
        var counts = window.Counts();
        for (var b = 0; b < counts.Length; b++)
        {
            var inBucket = first.Count(t => (int)(t / window.Bucket.TotalSeconds) == b);
            // Poisson: within 4 standard deviations of the bucket's count.
            inBucket.ShouldBeInRange((int)(counts[b] - (4 * Math.Sqrt(counts[b])) - 1), (int)(counts[b] + (4 * Math.Sqrt(counts[b])) + 1));
        }
    }

    [Fact]
    public void History_HidesTheWindowAndAfter_UntilABucketIsObserved()
    {
        var window = TraceWindow.Select(Trace(), "bursty", 288, 16, compression: 30, peakRate: 20);
        var history = window.History();

        history.Values[window.Start - 1].ShouldBe(Trace().Values[window.Start - 1] * window.Scale, 1e-9);
        history.Values.Skip(window.Start).ShouldAllBe(v => double.IsNaN(v));
        window.Observe(history, 0, 42);
        history.Values[window.Start].ShouldBe(42);
        double.IsNaN(history.Values[window.Start + 1]).ShouldBeTrue();
        Should.Throw<ArgumentOutOfRangeException>(() => window.Observe(history, 16, 1));
    }

    [Fact]
    public void Score_CountsSecondsBelowTheGoodShare_AndSumsTheReplicas()
    {
        var score = LiveScore.Of(
            [new LiveSecond(0, 20, 20, 1), new LiveSecond(1, 20, 19, 2), new LiveSecond(2, 20, 18, 2.5), new LiveSecond(3, 0, 0, 3), new LiveSecond(4, 3, 2, 3)],
            0.95);

        score.Seconds.ShouldBe(5);
        score.SloViolatingSeconds.ShouldBe(2); // 18 of 20 and 2 of 3; 19 of 20 is 95 %; a second without arrivals never violates
        score.ReplicaSeconds.ShouldBe(11.5);
        score.GoodputPercent.ShouldBe(100.0 * 59 / 63, 1e-9);
    }
}
