using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;

namespace BioDapr.Control.Tests;

public sealed class GuardrailTests
{
    private static readonly PathwayWindow Healthy = new(1, 100, 100, 0, 0, 5, 2, InFlight: 10);
    private static readonly PathwayWindow Failing = new(1, 100, 5, 95, 0, 5, 2, InFlight: 10);

    [Fact]
    public void Steps_AreLimited_AndValues_AreBounded_WithTheReasonAudited()
    {
        var audit = new List<HormoneChange>();
        var wild = new StaticController("wild", PathwayHormones.Default with { ConcurrencyLimit = 5_000, TimeoutMs = 1 });
        var guarded = new GuardedController(wild, StaticController.Defaults, new GuardrailSettings { MaxStepFactor = 2, MaxConcurrencyLimit = 300, MinTimeoutMs = 50, MaxRetryBudgetPercent = 100, MaxRetryBudgetMinPerSecond = 100, SmoothRetryBudget = false }, audit: audit.Add);
        var current = PathwayHormones.Default with { ConcurrencyLimit = 100, TimeoutMs = 1_000 };

        var first = guarded.Decide("a→b", Healthy, current);
        var second = guarded.Decide("a→b", Healthy, first);

        first.ConcurrencyLimit.ShouldBe(200);
        first.TimeoutMs.ShouldBe(500);
        second.ConcurrencyLimit.ShouldBe(300);
        second.TimeoutMs.ShouldBe(250);
        audit.ShouldContain(new HormoneChange("a→b", "concurrencyLimit", "100", "200", "wild; step limited", audit[0].At));
        audit.Last(c => c.Hormone == "concurrencyLimit").Reason.ShouldBe("wild; step limited, bounded");
    }

    [Fact]
    public void Freeze_StopsEveryChange_AndAuditsNothing()
    {
        var audit = new List<HormoneChange>();
        var frozen = true;
        var guarded = new GuardedController(new StaticController("any", PathwayHormones.Default with { ConcurrencyLimit = 10 }), StaticController.Defaults, new GuardrailSettings(), () => frozen, audit.Add);

        var held = guarded.Decide("a→b", Healthy, PathwayHormones.Default);
        frozen = false;
        var moved = guarded.Decide("a→b", Healthy, PathwayHormones.Default);

        held.ShouldBe(PathwayHormones.Default);
        moved.ConcurrencyLimit.ShouldBeLessThan(PathwayHormones.DefaultConcurrencyLimit);
        audit.ShouldAllBe(c => c.Reason.StartsWith("any", StringComparison.Ordinal));
    }

    [Fact]
    public void WhenTheAgentFallsBehind_TheSafeControllerTakesOver_ForTheCooldown_ThenHandsBack()
    {
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 40 });
        var safe = new StaticController("safe", PathwayHormones.Default with { ConcurrencyLimit = 20 });
        var settings = new GuardrailSettings { MaxStepFactor = 2, InitialSafeReward = 0.8, FallbackMargin = 0.1, FallbackPatience = 3, FallbackCooldown = 4, RewardSmoothing = 1 };
        var guarded = new GuardedController(agent, safe, settings, audit: audit.Add);
        var current = PathwayHormones.Default with { ConcurrencyLimit = 40 };

        var decisions = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            current = guarded.Decide("a→b", Failing, current);
            decisions.Add(current.ConcurrencyLimit);
        }

        for (var i = 0; i < 5; i++)
        {
            current = guarded.Decide("a→b", Healthy, current);
            decisions.Add(current.ConcurrencyLimit);
        }

        // Behind for 3 decisions: the third already uses the safe controller, which keeps control 4 decisions.
        decisions.ShouldBe([40, 40, 20, 20, 20, 20, 40, 40]);
        audit.First(c => c.NewValue == "20").Reason.ShouldContain("fallback to safe: agent reward 0.05 behind safe 0.80 for 3 decisions");
        guarded.StateOf("a→b").SafeFor.ShouldBe(0);
    }

    [Fact]
    public void AnAgentSheddingCallsASlowButHealthyBackendCouldServe_IsReplacedByTheSafeController()
    {
        // The downstream-latency case: the backend is slower (p99 60 ms of a 250 ms objective), nothing
        // queues or times out, the agent holds 10 where Gradient2 would hold 20 and its limiter sheds 30 %.
        // Only the live estimate of the safe controller (1.0: the shed calls would have been served) can
        // see the loss: nothing failed.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 10 });
        var safe = new StaticController("safe", PathwayHormones.Default with { ConcurrencyLimit = 20 });
        // The cut hold and the shed raise off (the raise would lift the agent's 10 itself), so the fallback
        // on the live estimate is tested on its own.
        var guarded = new GuardedController(agent, safe, new GuardrailSettings { HoldCutsWithoutCongestion = false, RaiseShedWithoutCongestion = false }, audit: audit.Add);
        var shedding = new PathwayWindow(1, 100, 70, 0, 30, 45, 40, InFlight: 10) { RttP99Ms = 60, Attempts = 70, MaxInFlight = 10 };
        var current = PathwayHormones.Default with { ConcurrencyLimit = 10 };

        var limits = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            current = guarded.Decide("orders→inventory", shedding, current);
            limits.Add(current.ConcurrencyLimit);
        }

        limits[0].ShouldBe(10);
        limits[^1].ShouldBe(20, string.Join(",", limits));
        guarded.StateOf("orders→inventory").SafeFor.ShouldBeGreaterThan(0);
        audit.First(c => c.Hormone == "concurrencyLimit").Reason.ShouldContain("fallback to safe: agent reward 0.78 behind its live estimate 0.98 for 5 decisions");
    }

    // orders→inventory in suite-downstream-latency's slow-backend phase (seed 1, second 24): inventory answers
    // 40 ms slower, 330 calls a second, 16 in flight (orders' 16 slots), p99 48 ms of a 250 ms objective,
    // nothing queues, fails or times out. The offered load is 330 × 42.6 ms = 14.1 erlangs.
    private static readonly PathwayWindow SlowDependency = new(1, 330, 330, 0, 0, 42.6, 40.7, InFlight: 16) { RttP99Ms = 48, Attempts = 330, MaxInFlight = 16 };

    [Fact]
    public void ACut_OnASlowButHealthyTarget_IsHeld_WithTheReasonAudited()
    {
        // The untrained agent's Gradient2 reads the 16× round-trip time as congestion and asks for 8; before
        // the hold the limit walked 20 → 11 and shed 200 calls a second the target would have served.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings(), audit: audit.Add);
        var current = PathwayHormones.Default with { ConcurrencyLimit = 20 };

        var next = guarded.Decide("orders→inventory", SlowDependency, current);

        next.ConcurrencyLimit.ShouldBe(20);
        GuardedController.HealthyFloor(SlowDependency, 250, 0.001).ShouldBe(27);
        audit.ShouldNotContain(c => c.Hormone == "concurrencyLimit");
    }

    [Theory]
    [InlineData(260, 0, 0)]
    [InlineData(48, 83, 0)]
    [InlineData(48, 0, 40)]
    public void ACut_OnACongestedTarget_Stands(double p99Ms, long failures, long timeouts)
    {
        // Late calls (p99 over the objective), 25 % failing or 12 % of the attempts timing out: congestion.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings(), audit: audit.Add);
        var congested = SlowDependency with { Successes = 330 - failures, Failures = failures, RttP99Ms = p99Ms, Attempts = 330, Timeouts = timeouts };

        var next = guarded.Decide("orders→inventory", congested, PathwayHormones.Default with { ConcurrencyLimit = 20 });

        GuardedController.HealthyFloor(congested, 250, 0.001).ShouldBeNull();
        next.ConcurrencyLimit.ShouldBe(13, "20 ÷ 1.5, the step limit");
        audit.Single(c => c.Hormone == "concurrencyLimit").Reason.ShouldStartWith("agent; step limited");
    }

    [Fact]
    public void WithTheHoldOff_ACut_OnASlowButHealthyTarget_Stands()
    {
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings { HoldCutsWithoutCongestion = false });

        guarded.Decide("orders→inventory", SlowDependency, PathwayHormones.Default with { ConcurrencyLimit = 20 }).ConcurrencyLimit.ShouldBe(13);
    }

    [Fact]
    public void AHeldCut_StopsAtTheFloor_WhenTheFloorIsBelowTheCurrentLimit()
    {
        // At 100 calls a second the same target needs far less: a cut from 20 to 8 is held at the floor, 13.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings { MaxStepFactor = 3 }, audit: audit.Add);
        var quieter = SlowDependency with { Calls = 100, Successes = 100, Attempts = 100, RttP50Ms = 45 };

        var next = guarded.Decide("orders→inventory", quieter, PathwayHormones.Default with { ConcurrencyLimit = 20 });

        next.ConcurrencyLimit.ShouldBe(13);
        audit.Single(c => c.Hormone == "concurrencyLimit").Reason.ShouldStartWith("agent; cut held to 13 (proposed 8): no congestion at the target");
    }

    [Fact]
    public void TheCutHold_NeverRaises_ASheddingLimit()
    {
        // A limit that sheds in front of a target with no congestion stays where the agent holds it: a raise
        // there filled shared or saturated targets past the objective (suite multi-API: reports→db raised
        // 20 → 68 in front of a 10-slot database, −42 points in the surge). Only cuts are held; the narrower
        // shed raise (a target's only caller) is tested on its own below.
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 10 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings { RaiseShedWithoutCongestion = false });
        var shedding = new PathwayWindow(1, 300, 240, 0, 60, 42.6, 40.7, InFlight: 10) { RttP99Ms = 48, Attempts = 240, MaxInFlight = 10 };

        GuardedController.HealthyFloor(shedding, 250, 0.001).ShouldBe(25);
        guarded.Decide("reports→db", shedding, PathwayHormones.Default with { ConcurrencyLimit = 10 }).ConcurrencyLimit.ShouldBe(10);
    }

    [Fact]
    public void ACut_IsNotHeld_WhileAnotherCallerOfTheSameTargetShowsCongestion()
    {
        // Several entry APIs share one database: checkout→db answers late, so reports→db's cut is the
        // admission that leaves the database to checkout, even though reports' own calls are on time.
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings());
        var late = SlowDependency with { RttP99Ms = 300 };
        var current = PathwayHormones.Default with { ConcurrencyLimit = 20 };

        guarded.Decide("checkout→db", late, current);
        var next = guarded.Decide("reports→db", SlowDependency, current);

        next.ConcurrencyLimit.ShouldBe(13, "20 ÷ 1.5, the step limit: the cut stands");
    }

    // orders→inventory in suite-downstream-latency's slower-some phase (seed 1, second 81): 60 % of inventory's
    // calls answer 90 ms slower at a calm rate; the limit right-sized in the calm seconds before (11, for
    // 1,000 calls a second at 2.7 ms) now sheds 169 of 364 calls, orders fails the orders whose calls were
    // shed, while every admitted call is answered in time (p99 96.6 ms of 250). Offered: 364 × 91.5 ms = 33.3 erlangs.
    private static readonly PathwayWindow SlowerSome = new(1, 364, 188, 0, 169, 91.5, 2.1, InFlight: 11) { RttP99Ms = 96.6, Attempts = 195, MaxInFlight = 11 };

    [Fact]
    public void AShedRaise_LiftsALimitThatShedsInFrontOfAHealthyTarget_ItsOnlyCaller_StepLimited_WithTheReasonAudited()
    {
        // The untrained agent's Gradient2 base reads 2.7 → 91.5 ms as congestion and keeps 11 (or less):
        // before the raise half the calls were shed until the fallback took over 5 decisions later
        // (slower-some 0.917 against tuned Gradient2's 0.980, seed 1).
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 11 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings(), audit: audit.Add);
        var current = PathwayHormones.Default with { ConcurrencyLimit = 11 };

        var floor = GuardedController.HealthyFloor(SlowerSome, 250, 0.001);
        var next = guarded.Decide("orders→inventory", SlowerSome, current);

        floor.ShouldBe(51);
        next.ConcurrencyLimit.ShouldBe(17, "11 × 1.5 rounded up: the step bound applies to the raise");
        audit.Single(c => c.Hormone == "concurrencyLimit").Reason
            .ShouldStartWith("agent; shedding limit raised to 51 (proposed 11): 169 of 364 calls shed, no congestion at the target, its only caller; step limited");
    }

    [Fact]
    public void AShedRaise_StopsOnceNothingIsShed_AndTheCutHoldKeepsTheRaisedLimit()
    {
        // The next window at 17: every call admitted (orders' 16 slots bound the calls in flight). The agent
        // asks for 11 again; the cut hold keeps 17 (under the floor), and there is nothing left to raise for.
        // Goodput 188 → 261 a second after the raise: it stands.
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 11 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings());
        var served = new PathwayWindow(1, 266, 261, 0, 0, 91.7, 2.1, InFlight: 16) { RttP99Ms = 97.9, Attempts = 266, MaxInFlight = 16 };

        var raised = guarded.Decide("orders→inventory", SlowerSome, PathwayHormones.Default with { ConcurrencyLimit = 11 });
        guarded.StateOf("orders→inventory").RaisedFrom.ShouldBe(11);
        var next = guarded.Decide("orders→inventory", served, raised);

        raised.ConcurrencyLimit.ShouldBe(17);
        next.ConcurrencyLimit.ShouldBe(17);
        guarded.StateOf("orders→inventory").RaisedFrom.ShouldBe(0);
        guarded.ShedRaise("orders→inventory", served, next, PathwayHormones.Default with { ConcurrencyLimit = 11 }).ShouldBeNull();
    }

    [Fact]
    public void AShedRaise_ThatDoesNotRaiseGoodput_IsUndone_AndNoOtherIsMadeForACoolDown()
    {
        // heldout-mixed's ramp (seed 1, seconds 177-181): gateway→orders shed 40 of 661 calls with its p99 at
        // 57 ms of 250, but orders was full: each raise (33 → 46 → 68 → 97 → 143) left goodput at ~610 a
        // second and only stretched the round-trip time (43 → 225 ms, Little's law), until every call was late.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 33 });
        var settings = new GuardrailSettings();
        var guarded = new GuardedController(agent, StaticController.Defaults, settings, audit: audit.Add);
        var ramp = new PathwayWindow(1, 661, 608, 0, 40, 43.4, 20, InFlight: 33) { RttP99Ms = 57, Attempts = 621, MaxInFlight = 33 };
        var full = new PathwayWindow(1, 697, 614, 0, 69, 67.8, 20, InFlight: 46) { RttP99Ms = 78.1, Attempts = 628, MaxInFlight = 46 };

        var raised = guarded.Decide("gateway→orders", ramp, PathwayHormones.Default with { ConcurrencyLimit = 33 });
        var undone = guarded.Decide("gateway→orders", full, raised);
        var blocked = guarded.Decide("gateway→orders", full, undone);

        raised.ConcurrencyLimit.ShouldBe(46);
        undone.ConcurrencyLimit.ShouldBe(33);
        blocked.ConcurrencyLimit.ShouldBe(33, "no raise during the cool-down");
        guarded.StateOf("gateway→orders").RaiseBlockedFor.ShouldBe(settings.FallbackCooldown - 1);
        audit.Last(c => c.Hormone == "concurrencyLimit").Reason.ShouldContain("raise undone to 33: goodput 614/s after it, 608/s before (no room at the target)");
    }

    [Fact]
    public void AShedRaise_IsNotMade_WhenAnotherCallerOfTheTargetHasBeenSeen()
    {
        // Several entry APIs share one database (suite multi-API): the raise would fill it for the others,
        // even though reports' own calls are on time. The shedding is the agent's per-API admission.
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 11 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings());
        var current = PathwayHormones.Default with { ConcurrencyLimit = 11 };

        guarded.Decide("checkout→db", Healthy, current);
        guarded.Decide("reports→db", SlowerSome, current).ConcurrencyLimit.ShouldBe(11);
    }

    [Theory]
    [InlineData(140.0, 0L, 0L, 169L)]   // on time now, but 1.9× stretched (a target with no room) the p99 would be late
    [InlineData(260.0, 0L, 0L, 169L)]   // calls already late: congestion
    [InlineData(96.6, 80L, 0L, 169L)]   // 22 % failing: congestion
    [InlineData(96.6, 0L, 25L, 169L)]   // 13 % of the attempts timing out: congestion
    [InlineData(96.6, 0L, 0L, 1L)]      // under 1 % shed
    public void AShedRaise_IsNotMade_WhereTheTargetCouldNotTakeTheCalls_OrLittleIsShed(double p99Ms, long failures, long timeouts, long shed)
    {
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 11 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings());
        var window = SlowerSome with { RttP99Ms = p99Ms, Successes = 188 - failures, Failures = failures, Timeouts = timeouts, Rejected = shed, Calls = 188 + shed + 7 };

        guarded.Decide("orders→inventory", window, PathwayHormones.Default with { ConcurrencyLimit = 11 }).ConcurrencyLimit.ShouldBe(11);
    }

    [Fact]
    public void WithTheShedRaiseOff_TheSheddingLimitStands()
    {
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 11 });
        var guarded = new GuardedController(agent, StaticController.Defaults, new GuardrailSettings { RaiseShedWithoutCongestion = false });

        guarded.Decide("orders→inventory", SlowerSome, PathwayHormones.Default with { ConcurrencyLimit = 11 }).ConcurrencyLimit.ShouldBe(11);
    }

    [Fact]
    public void TheCutHold_LeavesTheFallbacksAlone()
    {
        // While a fallback decides, its own cuts stand: the fallbacks are the baselines.
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 20 });
        var safe = new StaticController("safe", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var guarded = new GuardedController(agent, safe, new GuardrailSettings());
        guarded.Restore("orders→inventory", GuardState.Initial(new GuardrailSettings()) with { SafeFor = 10 });

        guarded.Decide("orders→inventory", SlowDependency, PathwayHormones.Default with { ConcurrencyLimit = 20 }).ConcurrencyLimit.ShouldBe(13);
    }

    [Theory]
    [InlineData(1.0, 0.01, 5)]
    [InlineData(1.0, 0.001, 6)]
    [InlineData(0.0, 0.001, 1)]
    [InlineData(14.06, 0.001, 27)]
    public void ErlangServers_MatchesErlangB(double offered, double blocking, int servers)
    {
        // B(4, 1) = 0.0154, B(5, 1) = 0.0031, B(6, 1) = 0.0005.
        GuardedController.ErlangServers(offered, blocking, 1_000).ShouldBe(servers);
    }

    [Fact]
    public void AnAgentSheddingInFrontOfACongestedTarget_KeepsControl()
    {
        // The same shedding in front of a target that queues (p99 at 96 % of the objective, 20 % of the
        // attempts time out): admitting more would not have raised goodput, so there is no fallback.
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 10 });
        var safe = new StaticController("safe", PathwayHormones.Default with { ConcurrencyLimit = 20 });
        var guarded = new GuardedController(agent, safe, new GuardrailSettings());
        var congested = new PathwayWindow(1, 100, 56, 14, 30, 180, 40, InFlight: 10) { RttP99Ms = 240, Attempts = 70, Timeouts = 14, MaxInFlight = 10 };
        var current = PathwayHormones.Default with { ConcurrencyLimit = 10 };

        for (var i = 0; i < 20; i++)
        {
            current = guarded.Decide("a→b", congested, current);
        }

        current.ConcurrencyLimit.ShouldBe(10);
        guarded.StateOf("a→b").SafeFor.ShouldBe(0);
        GuardedController.SafeEstimate(congested, current, PathwayHormones.Default with { ConcurrencyLimit = 20 }, new GuardrailSettings())!.Value.ShouldBe(0.56, 1e-9);
    }

    [Fact]
    public void TheLiveEstimate_CreditsOnlyCallsTheSafeLimitWouldHaveAdmitted()
    {
        var settings = new GuardrailSettings();
        var window = new PathwayWindow(1, 100, 60, 0, 40, 45, 40, InFlight: 10) { RttP99Ms = 60, Attempts = 60 };
        var at = (int limit) => PathwayHormones.Default with { ConcurrencyLimit = limit };

        GuardedController.SafeEstimate(window, at(10), at(12), settings)!.Value.ShouldBe(0.72, 1e-9, "60 admitted × (12/10 − 1) = 12 more");
        GuardedController.SafeEstimate(window, at(10), at(40), settings)!.Value.ShouldBe(1.0, 1e-9, "at most the 40 shed");
        GuardedController.SafeEstimate(window, at(10), at(8), settings)!.Value.ShouldBe(0.6, 1e-9, "a lower safe limit: no evidence either way");
        GuardedController.SafeEstimate(window with { Rejected = 0, Successes = 100 }, at(10), at(40), settings)!.Value.ShouldBe(1.0);
        GuardedController.SafeEstimate(new PathwayWindow(1, 0, 0, 0, 0, 0, 0, 0), at(10), at(40), settings).ShouldBeNull();
        GuardedController.TargetHealth(window with { RttP99Ms = 200 }, 250).ShouldBe(0.4, 1e-9);
    }

    [Fact]
    public void OnATightObjective_AHigherLimitIsNotCreditedWithTheCallsItWouldHaveAdmitted()
    {
        // The first window of suite-tight-slo's overload spike (seed 1, gateway→orders at 19): arrivals doubled,
        // the limiter shed 448 of 852 calls, every admitted call answered within the 60 ms objective, but at a
        // p99 of 55 ms: orders' 8 slots already queue the 19 in flight. A higher limit would only lengthen
        // that queue. The old estimate credited the tuned Gradient2's higher shadow (29) with a sixth of the
        // shed calls, kept it 0.03–0.05 ahead of the agent, and the guard "fell back" by raising the limit
        // from 19 to 29 and then 34, after which almost nothing was answered in time for 4 s.
        var settings = new GuardrailSettings { LatencyObjectiveMs = 60 };
        var onset = new PathwayWindow(1, 852, 403, 0, 448, 45.1, 20, InFlight: 19) { RttP99Ms = 55.1, Attempts = 404, MaxInFlight = 19, SuccessesWithinSlo = 403 };
        var at = (int limit) => PathwayHormones.Default with { ConcurrencyLimit = limit };
        var own = 403.0 / 852;

        GuardedController.SafeEstimate(onset, at(19), at(29), settings)!.Value.ShouldBeLessThan(own + 0.005, "no room under the objective for the calls a higher limit would add");
        GuardedController.SafeEstimate(onset, at(19), at(42), settings)!.Value.ShouldBeLessThan(own + 0.005);
        // The same window on a 250 ms objective: the extra calls fit in the headroom even if they all queue.
        GuardedController.SafeEstimate(onset, at(19), at(29), new GuardrailSettings { LatencyObjectiveMs = 250 })!.Value.ShouldBeGreaterThan(own + 0.2);
    }

    [Fact]
    public void TheGuardsReward_IsGoodput_AnAgentThatAdmitsEverythingAndAnswersLate_LosesToTheShadow()
    {
        // Every call succeeds, but after the objective (250 ms): the agent holds 1,000 and lets 40 calls
        // queue at a target that serves them in 20 ms when calm. Its success share is 1.0; its goodput 0.
        // The shadow (limit 10) would have kept the target's queue short: same throughput, 4× shorter
        // round trips by Little's law, every call on time.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("admit-all", PathwayHormones.Default with { ConcurrencyLimit = 1_000 });
        var safe = new StaticController("safe", PathwayHormones.Default with { ConcurrencyLimit = 10 });
        var guarded = new GuardedController(agent, safe, new GuardrailSettings(), audit: audit.Add);
        var calm = new PathwayWindow(1, 100, 100, 0, 0, 20, 15, InFlight: 2) { RttP99Ms = 30, Attempts = 100, SuccessesWithinSlo = 100 };
        var late = new PathwayWindow(1, 100, 100, 0, 0, 400, 300, InFlight: 40) { RttP99Ms = 600, Attempts = 100, SuccessesWithinSlo = 0, MaxInFlight = 45 };
        var current = PathwayHormones.Default with { ConcurrencyLimit = 1_000 };
        for (var i = 0; i < 5; i++)
        {
            current = guarded.Decide("gateway→orders", calm, current);
        }

        var limits = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            current = guarded.Decide("gateway→orders", late, current);
            limits.Add(current.ConcurrencyLimit);
        }

        GuardedController.SafeEstimate(late, PathwayHormones.Default with { ConcurrencyLimit = 1_000 }, PathwayHormones.Default with { ConcurrencyLimit = 10 }, new GuardrailSettings(), baselineRttMs: 20)!.Value
            .ShouldBe(1.0, 1e-6, "the shadow keeps the throughput and answers in about 100 ms");
        GuardedController.SafeEstimate(late, PathwayHormones.Default with { ConcurrencyLimit = 1_000 }, PathwayHormones.Default with { ConcurrencyLimit = 1_000 }, new GuardrailSettings())!.Value
            .ShouldBe(0.0, "the agent's own reward counts only calls within the objective");
        guarded.StateOf("gateway→orders").SafeFor.ShouldBeGreaterThan(0, string.Join(",", limits));
        limits[^1].ShouldBeLessThan(1_000);
        audit.First(c => c.Hormone == "concurrencyLimit").Reason.ShouldContain("fallback to safe: agent reward");
    }

    [Fact]
    public void ALiveVitalsWindow_CarriesItsGoodput_AndAWindowWithoutItCountsEverySuccess()
    {
        var vitals = new BioDapr.Contracts.Vitals.VitalsWindow
        {
            Cell = "orders",
            Name = "inventory",
            Kind = BioDapr.Contracts.Vitals.VitalsKind.Pathway,
            Start = DateTimeOffset.UnixEpoch,
            End = DateTimeOffset.UnixEpoch.AddSeconds(1),
            Calls = 100,
            Successes = 90,
            SuccessesWithinSlo = 60,
            Shed = 5,
            ServerErrors = 5,
        };

        var window = PathwayWindow.FromVitals(vitals);

        window.SuccessesWithinSlo.ShouldBe(60);
        window.Goodput.ShouldBe(60);
        (window with { SuccessesWithinSlo = null }).Goodput.ShouldBe(90);
        (window with { SuccessesWithinSlo = 500 }).Goodput.ShouldBe(90, "never more than the successes");
    }

    [Fact]
    public void TheLiveEstimate_OfALowerLimit_CreditsOnlyQueueingAtTheTarget()
    {
        var settings = new GuardrailSettings();
        var at = (int limit) => PathwayHormones.Default with { ConcurrencyLimit = limit };
        // On time and not queueing (2 calls in flight): a lower limit that still covers them changes nothing.
        var calm = new PathwayWindow(1, 100, 100, 0, 0, 20, 15, InFlight: 2) { RttP99Ms = 30, SuccessesWithinSlo = 100 };
        GuardedController.SafeEstimate(calm, at(40), at(10), settings)!.Value.ShouldBe(1.0);
        // A lower limit below what the calls need (2 in flight at 20 ms each): the shadow loses throughput.
        GuardedController.SafeEstimate(calm with { RttMinMs = 20 }, at(40), at(1), settings, baselineRttMs: 20)!.Value.ShouldBe(0.5, 1e-9);
        // A slow but healthy backend (round trips 300 ms even when calm, 30 in flight): a lower limit only sheds.
        var slow = new PathwayWindow(1, 100, 100, 0, 0, 300, 290, InFlight: 30) { RttP99Ms = 320, SuccessesWithinSlo = 0 };
        GuardedController.SafeEstimate(slow, at(40), at(10), new GuardrailSettings { LatencyObjectiveMs = 250 }, baselineRttMs: 290)!.Value.ShouldBe(0.0, 1e-6);
        // Half the calls late through queueing at the target: a lower limit would have had them on time.
        var queueing = new PathwayWindow(1, 100, 100, 0, 0, 250, 20, InFlight: 25) { RttP99Ms = 400, SuccessesWithinSlo = 50 };
        GuardedController.SafeEstimate(queueing, at(100), at(10), settings, baselineRttMs: 20)!.Value.ShouldBe(1.0, 1e-3);
        GuardedController.ShareBelow(100, 200, 100).ShouldBe(0.5, 1e-6);
        GuardedController.ShareBelow(100, 200, 200).ShouldBe(0.99, 1e-4);
        GuardedController.ShareBelow(100, 100, 99).ShouldBe(0);
    }

    [Fact]
    public void TheLiveEstimate_OfAHigherLimit_CreditsLateCallsThatWaitedInTheLimiterQueue()
    {
        // Nothing shed, but 40 calls answered late after waiting in the agent's limiter queue (mean 200 ms)
        // in front of a healthy target (p99 less the wait: 60 ms): twice the limit would have had them on time.
        var window = new PathwayWindow(1, 100, 100, 0, 0, 230, 20, InFlight: 10) { RttP99Ms = 260, QueueDelayMs = 200, SuccessesWithinSlo = 60 };
        var at = (int limit) => PathwayHormones.Default with { ConcurrencyLimit = limit };
        GuardedController.SafeEstimate(window, at(10), at(10), new GuardrailSettings())!.Value.ShouldBe(0.6, 1e-9);
        GuardedController.SafeEstimate(window, at(10), at(20), new GuardrailSettings())!.Value.ShouldBe(1.0, 1e-9);
        GuardedController.SafeEstimate(window, at(10), at(15), new GuardrailSettings())!.Value.ShouldBe(0.8, 1e-9, "half the limit again: half the credit");
    }

    [Fact]
    public void SeveralFallbacks_TheOneWithTheBestEstimateTakesOver()
    {
        // The agent holds 10 and sheds 30 % in front of a healthy target; fallback "g2" would hold 12
        // (estimate 0.84), "aimd" 30 (estimate 1.0): the guard hands over to "aimd", not to the first.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 10 });
        IPathwayController[] fallbacks =
        [
            new StaticController("g2", PathwayHormones.Default with { ConcurrencyLimit = 12 }),
            new StaticController("aimd", PathwayHormones.Default with { ConcurrencyLimit = 30 }),
        ];
        // The cut hold and the shed raise off; the choice between fallbacks is tested on its own.
        var guarded = new GuardedController(agent, fallbacks, new GuardrailSettings { HoldCutsWithoutCongestion = false, RaiseShedWithoutCongestion = false }, audit: audit.Add);
        var shedding = new PathwayWindow(1, 100, 70, 0, 30, 45, 40, InFlight: 10) { RttP99Ms = 60, Attempts = 70, MaxInFlight = 10 };
        var current = PathwayHormones.Default with { ConcurrencyLimit = 10 };
        for (var i = 0; i < 10; i++)
        {
            current = guarded.Decide("a→b", shedding, current);
        }

        var state = guarded.StateOf("a→b");
        state.SafeFor.ShouldBeGreaterThan(0);
        state.Active.ShouldBe(1);
        current.ConcurrencyLimit.ShouldBe(30);
        audit.First(c => c.Hormone == "concurrencyLimit").Reason.ShouldContain("fallback to aimd");
        guarded.Fallbacks.Select(f => f.Name).ShouldBe(["g2", "aimd"]);
        Should.Throw<ArgumentException>(() => new GuardedController(agent, Array.Empty<IPathwayController>(), new GuardrailSettings()));
    }

    [Fact]
    public void WhileAFallbackDecides_AnotherReplacesItOnlyAfterLeadingForThePatience()
    {
        // Fallback "low" (limit 10) is in charge; "high" (20) would admit the calls "low" sheds. A lead
        // every other window is noise (no switch); a lead held for the patience is a switch, audited.
        var audit = new List<HormoneChange>();
        IPathwayController[] fallbacks =
        [
            new StaticController("low", PathwayHormones.Default with { ConcurrencyLimit = 10 }),
            new StaticController("high", PathwayHormones.Default with { ConcurrencyLimit = 20 }),
        ];
        var settings = new GuardrailSettings { RewardSmoothing = 1, FallbackPatience = 3, FallbackCooldown = 100 };
        var guarded = new GuardedController(new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 10 }), fallbacks, settings, audit: audit.Add);
        guarded.Restore("a→b", GuardState.Initial(settings) with { SafeFor = 100, Active = 0, FallbackReason = "fallback to low" });
        var shedding = new PathwayWindow(1, 100, 70, 0, 30, 45, 40, InFlight: 10) { RttP99Ms = 60, Attempts = 70, MaxInFlight = 10 };
        var served = new PathwayWindow(1, 100, 100, 0, 0, 45, 40, InFlight: 10) { RttP99Ms = 60, Attempts = 100, MaxInFlight = 10 };
        var current = PathwayHormones.Default with { ConcurrencyLimit = 10 };
        for (var i = 0; i < 8; i++)
        {
            current = guarded.Decide("a→b", i % 2 == 0 ? shedding : served, current);
        }

        guarded.StateOf("a→b").Active.ShouldBe(0, "a lead in every other window is not held");
        current.ConcurrencyLimit.ShouldBe(10);
        for (var i = 0; i < 3; i++)
        {
            current = guarded.Decide("a→b", shedding, current);
        }

        guarded.StateOf("a→b").Active.ShouldBe(1);
        current.ConcurrencyLimit.ShouldBe(15, "the switch is step-limited like any change");
        audit.Last(c => c.Hormone == "concurrencyLimit").Reason.ShouldStartWith("fallback switch: high estimated 1.00 ahead of low 0.70 for 3 decisions");
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    public void DuringAnErrorBurst_TheSmoothedRetryBudget_SpreadsRetriesOverEverySecond_UnderTheAmplificationTarget(double failing)
    {
        // The real retry budget (a 10-second window of 1-second buckets) on a fake clock: 200 calls a second,
        // 20 calm seconds, then 60 seconds in which `failing` of the attempts fail; every failed attempt asks
        // for a retry, which the budget grants or refuses. The guard sees each second's window and sets the next.
        List<double> Burst(GuardrailSettings settings)
        {
            var greedy = new StaticController("greedy", PathwayHormones.Default with { MaxRetries = 3, RetryBudgetPercent = 80, RetryBudgetMinPerSecond = 50 });
            var guarded = new GuardedController(greedy, StaticController.Defaults, settings);
            var budget = new RetryBudget();
            var hormones = guarded.Initial("a→b");
            var amplification = new List<double>();
            for (var second = 0; second < 80; second++)
            {
                var burst = second >= 20;
                var attempts = 0;
                var failures = 0.0;
                for (var call = 0; call < 200; call++)
                {
                    var now = TimeSpan.FromSeconds(second + (call / 200.0));
                    budget.OnRequest(now);
                    attempts++;
                    failures += burst ? failing : 0;
                    for (var retry = 0; retry < hormones.MaxRetries && failures >= 1 && budget.TryWithdraw(now, hormones); retry++)
                    {
                        failures -= 1;
                        attempts++;
                        failures += failing;
                    }

                    failures = Math.Min(failures, 1);
                }

                var window = new PathwayWindow(1, 200, 200, 0, 0, 5, 2, 10) { Attempts = attempts };
                if (burst)
                {
                    amplification.Add(window.Amplification);
                }

                hormones = guarded.Decide("a→b", window, hormones);
            }

            return amplification;
        }

        var smoothed = Burst(new GuardrailSettings());
        var bunched = Burst(new GuardrailSettings { SmoothRetryBudget = false, GovernedRetryBudgetPercent = 15 });

        smoothed.Max().ShouldBeLessThanOrEqualTo(1.2, "no second above the amplification target");
        smoothed.Count(a => a >= 1.1).ShouldBeGreaterThanOrEqualTo(55, "and retries in nearly every second of the burst");
        bunched.Count(a => a > 1.2).ShouldBeGreaterThan(5, "the window's allowance spent in bursts");
        bunched.Count(a => a < 1.05).ShouldBeGreaterThan(20, "and seconds with almost none between them");
        smoothed.Sum().ShouldBeGreaterThan(bunched.Sum() - 1, "without fewer retries in all");
    }

    [Fact]
    public void TheRetryHead_IsBounded_AndGovernedAfterAnAmplifiedWindow()
    {
        var audit = new List<HormoneChange>();
        var greedy = new StaticController("greedy", PathwayHormones.Default with { MaxRetries = 3, RetryBudgetPercent = 80, RetryBudgetMinPerSecond = 50 });
        var guarded = new GuardedController(greedy, StaticController.Defaults, new GuardrailSettings { SmoothRetryBudget = false }, audit: audit.Add);
        var calm = new PathwayWindow(1, 100, 100, 0, 0, 5, 2, 10) { Attempts = 100 };
        var storm = new PathwayWindow(1, 100, 40, 60, 0, 5, 2, 10) { Attempts = 150 };

        var bounded = guarded.Decide("a→b", calm, PathwayHormones.Default);
        var governed = guarded.Decide("a→b", storm, bounded);
        var held = new List<PathwayHormones>();
        for (var i = 0; i < 10; i++)
        {
            held.Add(guarded.Decide("a→b", calm, held.LastOrDefault() ?? governed));
        }

        bounded.ShouldSatisfyAllConditions(
            h => h.MaxRetries.ShouldBe(3),
            h => h.RetryBudgetPercent.ShouldBe(15),
            h => h.RetryBudgetMinPerSecond.ShouldBe(1));
        governed.ShouldSatisfyAllConditions(
            h => h.MaxRetries.ShouldBe(1),
            h => h.RetryBudgetPercent.ShouldBe(10),
            h => h.RetryBudgetMinPerSecond.ShouldBe(1));
        held.Take(9).ShouldAllBe(h => h.MaxRetries == 1 && h.RetryBudgetPercent == 10, "held down for the budget's 10-second window");
        held[^1].RetryBudgetPercent.ShouldBe(15, "then released");
        audit.First(c => c.Hormone == "maxRetries" && c.NewValue == "1").Reason.ShouldBe("greedy; retry governor");
    }

    [Fact]
    public void InvalidSettings_AreReported()
    {
        new GuardrailSettings { MinConcurrencyLimit = 10, MaxConcurrencyLimit = 5, MaxStepFactor = 0.5 }.Validate()
            .ShouldSatisfyAllConditions(
                errors => errors.ShouldContain(e => e.Contains("MinConcurrencyLimit (10) must not exceed", StringComparison.Ordinal)),
                errors => errors.ShouldContain(e => e.Contains("MaxStepFactor", StringComparison.Ordinal)));
    }

    [Fact]
    public void EveryBaselinePreset_IsAValidHormoneSet()
    {
        foreach (var preset in new[] { StaticController.None, StaticController.Defaults, StaticController.DaprLike, StaticController.DotNetStandard })
        {
            preset.Initial("a→b").Validate().ShouldBeEmpty(preset.Name);
        }

        StaticController.DotNetStandard.Initial("a→b").ShouldSatisfyAllConditions(
            h => h.MaxRetries.ShouldBe(3),
            h => h.RetryBaseDelayMs.ShouldBe(2_000),
            h => h.BreakerFailureRatio.ShouldBe(0.1),
            h => h.BreakerMinThroughput.ShouldBe(100),
            h => h.BreakerSamplingMs.ShouldBe(30_000),
            h => h.TimeoutMs.ShouldBe(10_000),
            h => h.ConcurrencyLimit.ShouldBe(1_000));
        StaticController.DaprLike.Initial("a→b").ShouldSatisfyAllConditions(
            h => h.RetryBaseDelayMs.ShouldBe(5_000),
            h => h.RetryMaxDelayMs.ShouldBe(5_000),
            h => h.BreakerBreakMs.ShouldBe(60_000));
    }
}
