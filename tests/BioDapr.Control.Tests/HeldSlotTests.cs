using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Tests;

/// <summary>The guard's room for held slots: a slow replica's calls fill a limit sized for the fast answers.</summary>
public sealed class HeldSlotTests
{
    // gateway→orders in suite-slow-replicas' one-slow phase (seed 1, second 21): one of orders' 4 replicas is
    // 10× slower, a quarter of the calls wait on it until the client gives up (500 ms); the limit (22) is full
    // of them and sheds 250 of 457 calls while the answers come back in a median 17 ms (of a 100 ms objective).
    // The answers needed 182 × 17.2 ms = 3.1 slots; 22 were in use.
    private static readonly PathwayWindow OneSlow = new(1, 457, 182, 0, 250, 17.2, 14.2, InFlight: 22) { RttP99Ms = 494.2, Attempts = 207, MaxInFlight = 22, SuccessesWithinSlo = 159 };

    private static GuardedController Guard(int proposed, GuardrailSettings? settings = null, List<HormoneChange>? audit = null) =>
        new(new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = proposed }), StaticController.Defaults, settings ?? new GuardrailSettings { LatencyObjectiveMs = 100 }, audit: audit is null ? null : audit.Add);

    [Fact]
    public void TheFloor_IsTheOfferedConcurrency_TheCallsInFlightScaledByTheShedCalls_PlusItsSquareRoot()
    {
        // 22 × 457 ÷ 207 = 48.6 erlangs, + √48.6 = 55.5.
        GuardedController.HeldSlotFloor(OneSlow, 100, 3).ShouldBe(56);
    }

    [Fact]
    public void ALimitFullOfHeldCalls_IsRaisedTowardTheFloor_StepLimited_WithTheReasonAudited()
    {
        // Before: the agent (Gradient2 + residual) asked for 23, and the guard later fell back to tuned
        // Gradient2, whose ceiling is 42; tuned AIMD climbed to 66-71 and won the phase (0.55 against 0.42).
        var audit = new List<HormoneChange>();
        var guarded = Guard(23, audit: audit);

        var next = guarded.Decide("gateway→orders", OneSlow, PathwayHormones.Default with { ConcurrencyLimit = 22 });

        next.ConcurrencyLimit.ShouldBe(33, "22 × 1.5: the step bound applies");
        audit.Single(c => c.Hormone == "concurrencyLimit").Reason
            .ShouldStartWith("agent; room kept for held slots: limit 56 (proposed 23): 22 calls in flight, the answers needed 3.1 at their median 17 ms, no congestion at the target; step limited");
    }

    [Fact]
    public void OnceNothingIsShed_TheLimitIsHeld_NotRaisedFurther_AndNotCutToTheAgentsProposal()
    {
        // At 84 every call is admitted; 80 slots are in use (the slow replica's calls, 6 for the answers).
        // The agent asks for 30 again: the guard keeps 84 (its floor, 89, is above it, but without shedding
        // there is nothing to raise for).
        var served = new PathwayWindow(1, 470, 350, 0, 0, 17, 13.8, InFlight: 75) { RttP99Ms = 480, Attempts = 470, MaxInFlight = 80 };
        var guarded = Guard(30);

        guarded.Decide("gateway→orders", served, PathwayHormones.Default with { ConcurrencyLimit = 84 }).ConcurrencyLimit.ShouldBe(84);
    }

    [Fact]
    public void TimeoutsOnTheSlowReplicas_WithAFastMedian_StillShowHeldSlots()
    {
        // two-slow (second 91): half the calls time out at 490 ms on two slow replicas, the median is 17 ms.
        var twoSlow = new PathwayWindow(1, 414, 147, 121, 144, 16.8, 13.6, InFlight: 65) { RttP99Ms = 473.3, Attempts = 276, Timeouts = 147, MaxInFlight = 89 };

        GuardedController.HeldSlotFloor(twoSlow, 100, 3).ShouldNotBeNull();
    }

    [Theory]
    [InlineData(40.0, 22)]  // a slow median (a queue at the target): congestion, the agent's limit stands
    [InlineData(17.2, 9)]   // 9 in flight for answers needing 3.1: within 3×, a limit holding the target to what it serves
    public void NoFloor_ForACongestedTarget_OrALimitFullOfCallsAnsweredAtTheMedian(double p50Ms, int inFlight)
    {
        var window = OneSlow with { RttP50Ms = p50Ms, InFlight = inFlight, MaxInFlight = inFlight };

        GuardedController.HeldSlotFloor(window, 100, 3).ShouldBeNull();
        Guard(20).Decide("gateway→orders", window, PathwayHormones.Default with { ConcurrencyLimit = 22 }).ConcurrencyLimit.ShouldBe(20);
    }

    [Fact]
    public void NoFloor_WithoutHeldCalls_ManyInFlightButNoTail_NoTimeouts_EveryAdmittedCallAnswered()
    {
        // 16 in flight where 4.5 were needed, but the p99 is 48 ms over a 45 ms median and every admitted call
        // was answered: nothing holds a slot for long (a burst, not a slow replica).
        var bunched = new PathwayWindow(1, 100, 100, 0, 0, 45, 40, InFlight: 16) { RttP99Ms = 48, Attempts = 100, MaxInFlight = 16 };

        GuardedController.HeldSlotFloor(bunched, 250, 3).ShouldBeNull();
        GuardedController.HeldSlotFloor(bunched with { RttP99Ms = 200 }, 250, 3).ShouldBe(20, "a long tail: 16 + 4");
        GuardedController.HeldSlotFloor(bunched with { Successes = 90 }, 250, 3).ShouldNotBeNull("10 % of the admitted calls unanswered");
    }

    [Fact]
    public void NoRoomIsKept_WhenAnotherCallerOfTheTargetHasBeenSeen_OrWithTheRuleOff()
    {
        var shared = Guard(23);
        shared.Decide("checkout→orders", OneSlow with { Rejected = 0 }, PathwayHormones.Default with { ConcurrencyLimit = 22 });
        var off = Guard(23, new GuardrailSettings { LatencyObjectiveMs = 100, KeepRoomForHeldSlots = false });

        shared.Decide("gateway→orders", OneSlow, PathwayHormones.Default with { ConcurrencyLimit = 22 }).ConcurrencyLimit.ShouldBe(23);
        off.Decide("gateway→orders", OneSlow, PathwayHormones.Default with { ConcurrencyLimit = 22 }).ConcurrencyLimit.ShouldBe(23);
    }
}
