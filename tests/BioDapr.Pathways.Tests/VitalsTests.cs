using BioDapr.Pathways.Policies;
using BioDapr.Pathways.Vitals;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Pathways.Tests;

public sealed class VitalsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Histogram_PercentilesAreWithinTwoPercent()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        histogram.PercentileMs(0.50).ShouldBe(500, 500 * 0.02);
        histogram.PercentileMs(0.99).ShouldBe(990, 990 * 0.02);
        histogram.MaxMs.ShouldBe(1000);
        histogram.MeanMs.ShouldBe(500.5, 0.001);
    }

    [Fact]
    public void Window_MatchesKnownInputs()
    {
        var recorder = new VitalsRecorder("orders", "inventory", VitalsKind.Pathway, Start, sloMs: 100);
        Record(recorder, PathwayOutcome.Success, 50, times: 6);
        Record(recorder, PathwayOutcome.Success, 150, times: 2);
        Record(recorder, PathwayOutcome.Timeout, 1000, times: 1);
        Record(recorder, PathwayOutcome.Shed, 0, times: 1);
        recorder.AttemptStarted(isRetry: true, isHedge: false);

        var window = recorder.Close(Start.AddSeconds(2), limit: 8, queued: 0);

        window.Calls.ShouldBe(10);
        window.Successes.ShouldBe(8);
        window.SuccessesWithinSlo.ShouldBe(6);
        window.Timeouts.ShouldBe(1);
        window.Shed.ShouldBe(1);
        window.Failures.ShouldBe(2);
        window.Retries.ShouldBe(1);
        window.GoodputPerSecond.ShouldBe(3);
        window.LatencyP50Ms.ShouldBe(50, 1);
        window.LatencyMaxMs.ShouldBe(1000);
        window.Limit.ShouldBe(8);
        window.InFlight.ShouldBe(0);
    }

    [Fact]
    public void Close_StartsAFreshWindow()
    {
        var recorder = new VitalsRecorder("orders", "inventory", VitalsKind.Pathway, Start, sloMs: 100);
        Record(recorder, PathwayOutcome.Success, 10, times: 3);
        recorder.Close(Start.AddSeconds(1), 1, 0);

        var next = recorder.Close(Start.AddSeconds(2), 1, 0);

        next.Calls.ShouldBe(0);
        next.Start.ShouldBe(Start.AddSeconds(1));
    }

    [Fact]
    public void InFlight_CountsCallsThatHaveNotEnded()
    {
        var recorder = new VitalsRecorder("orders", "inventory", VitalsKind.Pathway, Start, sloMs: 100);
        recorder.CallStarted();
        recorder.CallStarted();
        recorder.CallEnded(PathwayOutcome.Success, TimeSpan.FromMilliseconds(1));

        var window = recorder.Close(Start.AddSeconds(1), 1, 0);

        window.InFlight.ShouldBe(1);
        window.MaxInFlight.ShouldBe(2);
    }

    private static void Record(VitalsRecorder recorder, PathwayOutcome outcome, double ms, int times)
    {
        for (var i = 0; i < times; i++)
        {
            recorder.CallStarted();
            recorder.CallEnded(outcome, TimeSpan.FromMilliseconds(ms));
        }
    }
}
