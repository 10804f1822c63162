using BioDapr.Contracts.Vitals;
using BioDapr.Control.Guardrails;
using BioDapr.Cortex.Agents;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Cortex.Tests;

/// <summary>The cortex learns a pathway's normal before it acts on it, and grows back what it cut once latency recovers.</summary>
public sealed class PathwayBaselineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);
    private static readonly BaselineOptions Options = new() { MinWindows = 10, NewLifeGap = TimeSpan.FromSeconds(10), RecoveryWindows = 3, HealthyLatencyFactor = 1.5, RecoveryStepFactor = 1.5 };

    // Observes a window with only the limit known (the timeout not recorded), as a state kept before timeouts were.
    private static (BaselineState Next, bool MayAct) Observe(BaselineState? state, VitalsWindow window, int limitInForce) =>
        PathwayBaseline.Observe(state, window, PathwayHormones.Default with { ConcurrencyLimit = limitInForce, TimeoutMs = 0 }, Options);

    private static VitalsWindow Window(int second, double p95Ms = 20, long failures = 0) => new()
    {
        Cell = "orders",
        Name = "inventory",
        Kind = VitalsKind.Pathway,
        Start = Start.AddSeconds(second),
        End = Start.AddSeconds(second + 1),
        Calls = 50,
        Attempts = 50,
        Successes = 50 - failures,
        Timeouts = failures,
        SuccessesWithinSlo = 50 - failures,
        LatencyP95Ms = p95Ms,
        SloMs = 25,
    };

    private static (BaselineState State, bool MayAct) Feed(BaselineState? state, IEnumerable<VitalsWindow> windows, PathwayHormones inForce)
    {
        var mayAct = false;
        foreach (var window in windows)
        {
            (state, mayAct) = PathwayBaseline.Observe(state, window, inForce, Options);
        }

        return (state!, mayAct);
    }

    private static (BaselineState State, bool MayAct) Feed(BaselineState? state, IEnumerable<VitalsWindow> windows, int limit = 256)
    {
        var mayAct = false;
        foreach (var window in windows)
        {
            (state, mayAct) = Observe(state, window, limit);
        }

        return (state!, mayAct);
    }

    [Fact]
    public void TheFirstWindowsOfALife_AreOnlyWatched_EvenWhenTheyAreSlowAndFailing()
    {
        // A cold organism: 10 windows of 900 ms p95 with timeouts.
        var (state, mayAct) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s, p95Ms: 900, failures: 20)));
        mayAct.ShouldBeFalse();
        state.Windows.ShouldBe(10);

        (_, mayAct) = Observe(state, Window(10), 256);
        mayAct.ShouldBeTrue();
    }

    [Fact]
    public void WindowsWithoutTraffic_DoNotCountTowardTheBaseline()
    {
        var idle = Window(0) with { Calls = 0, Attempts = 0, Successes = 0, SuccessesWithinSlo = 0 };
        var (state, mayAct) = Feed(null, Enumerable.Repeat(idle, 20));
        mayAct.ShouldBeFalse();
        state.Windows.ShouldBe(0);
    }

    [Fact]
    public void APauseLongerThanTheGap_StartsANewLife_TheRestartedCellIsWatchedAgain()
    {
        var (state, mayAct) = Feed(null, Enumerable.Range(0, 12).Select(s => Window(s)));
        mayAct.ShouldBeTrue();

        // The cell was killed and came back 30 s later: its first windows are cold again.
        (state, mayAct) = Observe(state, Window(42, p95Ms: 800, failures: 10), 256);
        mayAct.ShouldBeFalse();
        state.Windows.ShouldBe(1);
    }

    [Fact]
    public void TheBaselineIsTheBestLatencySeenWhileLearning_AndTheLimitInForceThen()
    {
        var windows = Enumerable.Range(0, 10).Select(s => Window(s, p95Ms: s == 0 ? 900 : 30 - s));
        var (state, _) = Feed(null, windows, limit: 64);
        state.P95Ms.ShouldBe(21);
        state.Limit.ShouldBe(64);
    }

    [Fact]
    public void ACutGrowsBack_AfterHealthyWindowsInARow_ByTheStepFactor_UpToTheBaselinesLimit()
    {
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s)), limit: 100);
        var cut = PathwayHormones.Default with { ConcurrencyLimit = 40 };

        // Two healthy windows: not yet.
        (state, _) = Feed(state, [Window(10), Window(11)], limit: 40);
        PathwayBaseline.Recover(state, "orders→inventory", cut, cut, Options, Start).ShouldBeNull();

        (state, _) = Feed(state, [Window(12)], limit: 40);
        var change = PathwayBaseline.Recover(state, "orders→inventory", cut, cut, Options, Start).ShouldNotBeNull();
        change.Hormone.ShouldBe("concurrencyLimit");
        change.OldValue.ShouldBe("40");
        change.NewValue.ShouldBe("60");
        change.Reason.ShouldContain("recovery");

        // Near the baseline it stops at the baseline's limit, and at it nothing changes.
        PathwayBaseline.Recover(state, "orders→inventory", cut with { ConcurrencyLimit = 90 }, cut with { ConcurrencyLimit = 90 }, Options, Start)!.NewValue.ShouldBe("100");
        PathwayBaseline.Recover(state, "orders→inventory", cut with { ConcurrencyLimit = 100 }, cut with { ConcurrencyLimit = 100 }, Options, Start).ShouldBeNull();
    }

    [Fact]
    public void NoRecovery_WhileLatencyIsStillHigh_OrTheTargetFails()
    {
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s)), limit: 100);
        var cut = PathwayHormones.Default with { ConcurrencyLimit = 40 };

        // p95 100 ms: above 1.5 x the 20 ms baseline and above the 25 ms SLO.
        var (slow, _) = Feed(state, Enumerable.Range(10, 5).Select(s => Window(s, p95Ms: 100)), limit: 40);
        PathwayBaseline.Recover(slow, "orders→inventory", cut, cut, Options, Start).ShouldBeNull();

        // One failing window resets the count.
        var (failing, _) = Feed(state, [Window(10), Window(11), Window(12, failures: 1)], limit: 40);
        failing.Healthy.ShouldBe(0);
        PathwayBaseline.Recover(failing, "orders→inventory", cut, cut, Options, Start).ShouldBeNull();
    }

    [Fact]
    public void AControllerThatCutsAgainOnEveryHealthyWindow_DoesNotHoldTheLimitDown_TheRecoveryGrowsFromTheLimitInForce()
    {
        // The warm replay's restore phase (docs/benchmarks.md, cold start): the controller's fallback cut the limit to 8
        // during the overload and proposes 8 again on every window; latency is back to normal. Before, the recovery grew
        // from the controller's decision (8 -> 12) and the next window's decision cut it back to 8: the limit never
        // got past 12. It now grows from the limit in force, and reaches the baseline's 256 within a few windows.
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s)), limit: 256);
        var inForce = PathwayHormones.Default with { ConcurrencyLimit = 8 };
        var controllersCut = inForce;
        var limits = new List<int>();
        for (var second = 10; second < 40; second++)
        {
            (state, _) = Observe(state, Window(second), inForce.ConcurrencyLimit);
            if (PathwayBaseline.Recover(state, "gateway→orders", inForce, controllersCut, Options, Start) is { } change)
            {
                change.OldValue.ShouldBe(inForce.ConcurrencyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
                inForce = inForce with { ConcurrencyLimit = int.Parse(change.NewValue, System.Globalization.CultureInfo.InvariantCulture) };
            }

            limits.Add(inForce.ConcurrencyLimit);
        }

        limits.ShouldBe(limits.Order().ToList(), "the limit only grows while the windows are healthy");
        limits[^1].ShouldBe(256);
        // 8 -> 12 -> 18 -> 27 -> ... -> 256: the first step after three healthy windows, then one step a window.
        limits.IndexOf(256).ShouldBeLessThan(3 + 10);
    }

    [Fact]
    public void AControllerThatRaisesFurtherThanTheRecovery_IsLeftAlone()
    {
        var (state, _) = Feed(null, Enumerable.Range(0, 13).Select(s => Window(s)), limit: 256);
        var inForce = PathwayHormones.Default with { ConcurrencyLimit = 40 };
        PathwayBaseline.Recover(state, "gateway→orders", inForce, inForce with { ConcurrencyLimit = 100 }, Options, Start).ShouldBeNull();
        PathwayBaseline.Recover(state, "gateway→orders", inForce, inForce with { ConcurrencyLimit = 50 }, Options, Start)!.NewValue.ShouldBe("60");
    }

    [Fact]
    public void AControllerThatWalksTheTimeoutDown_StopsAtTheLatencyObjective_NotAtTheGuardrailsFloor()
    {
        // coldstart, 2026-12-07: the live controller cut gateway → orders' attempt timeout by about 3 % a window, from
        // 1000 ms to the guardrails' 5 ms by the warm replay, and every placement timed out. The floor is the objective.
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s) with { SloMs = 250 }), PathwayHormones.Default);
        var inForce = PathwayHormones.Default;
        for (var second = 10; second < 200; second++)
        {
            // Slow, failing windows: no recovery, only the floor.
            (state, _) = PathwayBaseline.Observe(state, Window(second, p95Ms: 900, failures: 10) with { SloMs = 250 }, inForce, Options);
            var decided = inForce with { TimeoutMs = Math.Max(5, (int)(inForce.TimeoutMs * 0.965)) };
            var change = PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, decided, 250, Options, Start);
            inForce = change is null ? decided : inForce with { TimeoutMs = int.Parse(change.NewValue, System.Globalization.CultureInfo.InvariantCulture) };
            inForce.TimeoutMs.ShouldBeGreaterThanOrEqualTo(250);
        }

        inForce.TimeoutMs.ShouldBe(250);
        PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, inForce with { TimeoutMs = 241 }, 250, Options, Start)!
            .Reason.ShouldContain("timeout floor");
    }

    [Fact]
    public void WhileThePathwayShedsAndQueues_AControllersTimeoutCut_IsRefused_AndTheTimeoutInForceKept()
    {
        // The second quiet coldstart run, 2026-12-07, warm replay: orders' slots full (calls shed at gateway → orders'
        // limit, others waiting for a slot), the limit unchanged, and the controller cutting the attempt timeout about 3 %
        // a window: 977 -> 558 ms. Slow because queued is not hung: the cut stays out while the pathway is saturated.
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s) with { SloMs = 250 }), PathwayHormones.Default);
        var inForce = PathwayHormones.Default with { TimeoutMs = 977 };
        for (var second = 10; second < 30; second++)
        {
            var saturated = Window(second, p95Ms: 600) with { SloMs = 250, Shed = 30, Queued = 8, QueueWaitP95Ms = 180 };
            (state, _) = PathwayBaseline.Observe(state, saturated, inForce, Options);
            var decided = inForce with { TimeoutMs = (int)(inForce.TimeoutMs * 0.97) };
            var change = PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, decided, 250, Options, Start, saturated);
            change.ShouldNotBeNull();
            change.NewValue.ShouldBe("977");
            change.Reason.ShouldContain("overload hold");
            inForce = inForce with { TimeoutMs = int.Parse(change.NewValue, System.Globalization.CultureInfo.InvariantCulture) };
        }

        inForce.TimeoutMs.ShouldBe(977);

        // Shed alone, or a queue alone, is saturation too.
        PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, inForce with { TimeoutMs = 900 }, 250, Options, Start, Window(40) with { Shed = 1 })!.NewValue.ShouldBe("977");
        PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, inForce with { TimeoutMs = 900 }, 250, Options, Start, Window(41) with { QueueWaitP95Ms = 12 })!.NewValue.ShouldBe("977");
        // A controller that raises the timeout while saturated is left alone.
        PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, inForce with { TimeoutMs = 1100 }, 250, Options, Start, Window(42) with { Shed = 30 }).ShouldBeNull();
    }

    [Fact]
    public void AHangingTarget_WithoutSheddingOrQueueing_MayStillHaveItsTimeoutCut_DownToTheObjective()
    {
        // Timeouts with free slots (a latency spike): failing fast is what the cut is for; only the floor applies.
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s) with { SloMs = 250 }), PathwayHormones.Default);
        var hanging = Window(10, p95Ms: 2000, failures: 20) with { SloMs = 250 };
        (state, _) = PathwayBaseline.Observe(state, hanging, PathwayHormones.Default, Options);
        PathwayBaseline.GuardTimeout(state, "gateway→orders", PathwayHormones.Default, PathwayHormones.Default with { TimeoutMs = 800 }, 250, Options, Start, hanging).ShouldBeNull();
        PathwayBaseline.GuardTimeout(state, "gateway→orders", PathwayHormones.Default, PathwayHormones.Default with { TimeoutMs = 100 }, 250, Options, Start, hanging)!.NewValue.ShouldBe("250");
    }

    [Fact]
    public void ACutTimeout_GrowsBackToTheBaselines_AfterHealthyWindows()
    {
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s)), PathwayHormones.Default);
        state.TimeoutMs.ShouldBe(1000);
        var inForce = PathwayHormones.Default with { TimeoutMs = 250 };
        var timeouts = new List<int>();
        for (var second = 10; second < 25; second++)
        {
            (state, _) = PathwayBaseline.Observe(state, Window(second), inForce, Options);
            if (PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, inForce, 25, Options, Start) is { } change)
            {
                change.Reason.ShouldContain("recovery");
                inForce = inForce with { TimeoutMs = int.Parse(change.NewValue, System.Globalization.CultureInfo.InvariantCulture) };
            }

            timeouts.Add(inForce.TimeoutMs);
        }

        // Three healthy windows, then 250 -> 375 -> 563 -> 845 -> 1000.
        timeouts.Take(2).ShouldAllBe(t => t == 250);
        timeouts[^1].ShouldBe(1000);
    }

    [Fact]
    public void TheTimeoutGuard_LeavesAControllerThatRaises_AndAnOperatorsLowerTimeout_Alone()
    {
        var operators = PathwayHormones.Default with { TimeoutMs = 100 };
        var (state, _) = Feed(null, Enumerable.Range(0, 10).Select(s => Window(s, p95Ms: 900)), operators);
        PathwayBaseline.GuardTimeout(state, "orders→inventory", operators, operators with { TimeoutMs = 150 }, 250, Options, Start).ShouldBeNull();
        // The operator's 100 ms is below the 250 ms objective: the floor is the operator's value, not the objective.
        PathwayBaseline.GuardTimeout(state, "orders→inventory", operators, operators with { TimeoutMs = 50 }, 250, Options, Start)!.NewValue.ShouldBe("100");
    }

    private static HormoneChange Change(string hormone, string old, string @new) => new("gateway→orders", hormone, old, @new, "test", Start);

    [Fact]
    public void TheDeadBand_DropsChangesSmallerThanItsFractionOfTheValueInForce_AndKeepsTheRest()
    {
        var options = new BaselineOptions { DeadBand = 0.02 };
        var kept = PathwayBaseline.WithoutSmallChanges(
            [
                Change("timeoutMs", "1000", "985"),          // -1.5 %: a calm window's trim
                Change("timeoutMs", "985", "1000"),          // +1.5 %: its recovery
                Change("concurrencyLimit", "256", "252"),    // -1.6 %
                Change("concurrencyLimit", "256", "250"),    // -2.3 %: kept
                Change("breakerFailureRatio", "0.5", "0.4"), // -20 %: kept
                Change("timeoutMs", "0", "5"),               // from 0: no fraction of it is a band
                Change("breakerEnabled", "true", "false"),   // not a number
            ],
            options);
        kept.Select(c => $"{c.Hormone} {c.OldValue}->{c.NewValue}").ShouldBe(
            ["concurrencyLimit 256->250", "breakerFailureRatio 0.5->0.4", "timeoutMs 0->5", "breakerEnabled true->false"]);
    }

    [Fact]
    public void AZeroDeadBand_WritesEveryChange()
    {
        IReadOnlyList<HormoneChange> changes = [Change("timeoutMs", "1000", "999")];
        PathwayBaseline.WithoutSmallChanges(changes, new BaselineOptions { DeadBand = 0 }).ShouldBe(changes);
    }

    [Fact]
    public void CalmWindows_WithAControllerThatTrimsTheTimeoutALittle_WriteNothing()
    {
        // The churn of the coldstart audit: a healthy pathway at its baseline (1000 ms), a controller that proposes -1.5 %
        // every window; with the floor and the recovery rule as the actor applies them, then the dead band.
        var options = new BaselineOptions { MinWindows = 10, RecoveryWindows = 3, DeadBand = BaselineOptions.DefaultDeadBand };
        var inForce = PathwayHormones.Default;
        BaselineState? state = null;
        var writes = 0;
        for (var second = 0; second < 60; second++)
        {
            bool mayAct;
            (state, mayAct) = PathwayBaseline.Observe(state, Window(second) with { SloMs = 250 }, inForce, options);
            if (!mayAct)
            {
                continue;
            }

            var decided = inForce with { TimeoutMs = (int)(inForce.TimeoutMs * 0.985) };
            IReadOnlyList<HormoneChange> changes = [new("gateway→orders", "timeoutMs", $"{inForce.TimeoutMs}", $"{decided.TimeoutMs}", "controller", Start)];
            if (PathwayBaseline.GuardTimeout(state, "gateway→orders", inForce, decided, 250, options, Start) is { } rule)
            {
                changes = rule.NewValue == rule.OldValue ? [] : [rule];
            }

            foreach (var change in PathwayBaseline.WithoutSmallChanges(changes, options))
            {
                writes++;
                inForce = inForce with { TimeoutMs = int.Parse(change.NewValue, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }

        writes.ShouldBe(0);
        inForce.TimeoutMs.ShouldBe(1000);
    }
}
