using BioDapr.Contracts.Vitals;
using BioDapr.Cortex.Dashboard;
using BioDapr.Pathways.Policies;
using BioDapr.Pathways.Vitals;

namespace BioDapr.Cortex.Tests;

/// <summary>How the organism page judges a pathway's window (and a cell's endpoints): activity is judged, not only ended calls.</summary>
public sealed class PathwayHealthTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 21, 0, 0, TimeSpan.Zero);

    internal static VitalsWindow Window(VitalsKind kind = VitalsKind.Pathway, string name = "inventory") => new()
    {
        Cell = "orders",
        Name = name,
        Kind = kind,
        Start = Start,
        End = Start.AddSeconds(1),
    };

    [Fact]
    public void AWindowWithNothingAttempted_IsIdle() =>
        PathwayHealth.Of(Window()).ShouldBe(PathwayHealth.Idle);

    [Fact]
    public void SuccessesWithoutFailuresOrRetries_AreOk_ClientErrorsIncluded() =>
        PathwayHealth.Of(Window() with { Calls = 5, Attempts = 5, Successes = 5, ClientErrors = 1, SuccessesWithinSlo = 5 }).ShouldBe(PathwayHealth.Ok);

    [Fact]
    public void AttemptsAndRetriesButNoCallThatEnded_AreErrors_NotIdle()
    {
        // The quarantined end-to-end test's window: inventory answers 503 half the time, orders retries with backoff,
        // and no call ended inside the window. The page called it idle; it is failing.
        var window = Window() with { Calls = 1, Attempts = 3, Retries = 2, InFlight = 1 };

        window.Completed.ShouldBe(0);
        PathwayHealth.Of(window).ShouldBe(PathwayHealth.Errors);
    }

    [Fact]
    public void ARetryOfACallFromAnEarlierWindow_IsErrors_EvenWithNoCallStarted() =>
        PathwayHealth.Of(Window() with { Attempts = 1, Retries = 1, InFlight = 1 }).ShouldBe(PathwayHealth.Errors);

    [Theory]
    [InlineData("serverErrors")]
    [InlineData("timeouts")]
    [InlineData("transport")]
    [InlineData("breakerOpen")]
    [InlineData("shed")]
    [InlineData("canceled")]
    public void AnyFailedCall_IsErrors_WithOrWithoutSuccesses(string failure)
    {
        var failed = failure switch
        {
            "serverErrors" => Window() with { ServerErrors = 1 },
            "timeouts" => Window() with { Timeouts = 1 },
            "transport" => Window() with { TransportErrors = 1 },
            "breakerOpen" => Window() with { BreakerOpen = 1 },
            "shed" => Window() with { Shed = 1 },
            _ => Window() with { Canceled = 1 },
        };

        PathwayHealth.Of(failed).ShouldBe(PathwayHealth.Errors, "no call succeeded");
        PathwayHealth.Of(failed with { Successes = 9, Calls = 10 }).ShouldBe(PathwayHealth.Errors, "one in ten failed");
    }

    [Fact]
    public void SuccessesWithARetry_AreErrors_TheCallerDidNotSeeTheFailureButTheTargetIsSick() =>
        PathwayHealth.Of(Window() with { Calls = 4, Attempts = 5, Successes = 4, Retries = 1 }).ShouldBe(PathwayHealth.Errors);

    [Fact]
    public void HedgesAlone_AreNotErrors() =>
        PathwayHealth.Of(Window() with { Calls = 4, Attempts = 5, Successes = 4, Hedges = 1 }).ShouldBe(PathwayHealth.Ok);

    [Fact]
    public void CallsInFlightThatNeitherEndedNorRetried_AreWaiting_NotIdle()
    {
        PathwayHealth.Of(Window() with { Calls = 2, Attempts = 2, InFlight = 2 }).ShouldBe(PathwayHealth.Waiting);
        PathwayHealth.Of(Window() with { InFlight = 1 }).ShouldBe(PathwayHealth.Waiting, "a slow call from an earlier window");
    }

    [Fact]
    public void AFailingCallThroughTheRealRecorder_IsWaitingThenErrorsThenErrors_NeverIdle()
    {
        // A call that starts near the end of one window, is retried in the next, and ends in the third with a 5xx.
        var recorder = new VitalsRecorder("orders", "inventory", VitalsKind.Pathway, Start, sloMs: 250);
        recorder.CallStarted();
        recorder.AttemptStarted(isRetry: false, isHedge: false);
        var first = recorder.Close(Start.AddSeconds(1), limit: 8, queued: 0);
        recorder.AttemptStarted(isRetry: true, isHedge: false);
        var second = recorder.Close(Start.AddSeconds(2), limit: 8, queued: 0);
        recorder.CallEnded(PathwayOutcome.ServerError, TimeSpan.FromMilliseconds(1_700));
        var third = recorder.Close(Start.AddSeconds(3), limit: 8, queued: 0);
        var fourth = recorder.Close(Start.AddSeconds(4), limit: 8, queued: 0);

        PathwayHealth.Of(first).ShouldBe(PathwayHealth.Waiting);
        PathwayHealth.Of(second).ShouldBe(PathwayHealth.Errors);
        PathwayHealth.Of(third).ShouldBe(PathwayHealth.Errors);
        third.Calls.ShouldBe(0, "the call started two windows earlier");
        third.HasActivity.ShouldBeTrue("a window whose only news is a failed call is published");
        PathwayHealth.Of(fourth).ShouldBe(PathwayHealth.Idle);
        fourth.HasActivity.ShouldBeFalse();
    }

    [Fact]
    public void ACellsEndpoints_AreErrorsOn5xxOrTimeouts_NotOnShedding_AndPathwayWindowsDoNotCount()
    {
        var endpoint = Window(VitalsKind.Endpoint, "POST /reservations");

        PathwayHealth.OfEndpoints([]).ShouldBe(PathwayHealth.Idle);
        PathwayHealth.OfEndpoints([endpoint with { Calls = 3, Successes = 3 }]).ShouldBe(PathwayHealth.Ok);
        PathwayHealth.OfEndpoints([endpoint with { Calls = 3, Successes = 2, ServerErrors = 1 }]).ShouldBe(PathwayHealth.Errors);
        PathwayHealth.OfEndpoints([endpoint with { Timeouts = 1 }]).ShouldBe(PathwayHealth.Errors);
        PathwayHealth.OfEndpoints([endpoint with { Calls = 3, Successes = 2, Shed = 1 }]).ShouldBe(PathwayHealth.Ok, "shedding is shown beside the state");
        PathwayHealth.OfEndpoints([endpoint with { Calls = 1, InFlight = 1 }]).ShouldBe(PathwayHealth.Waiting);
        PathwayHealth.OfEndpoints([endpoint with { Calls = 1, Successes = 1 }, Window() with { ServerErrors = 4 }]).ShouldBe(PathwayHealth.Ok, "the cell's own calls out are its pathways, not its endpoints");
    }
}
