using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;

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
        var guarded = new GuardedController(wild, StaticController.Defaults, new GuardrailSettings { MaxStepFactor = 2, MaxConcurrencyLimit = 300, MinTimeoutMs = 50, MaxRetryBudgetPercent = 100, MaxRetryBudgetMinPerSecond = 100 }, audit: audit.Add);
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
        audit.First(c => c.NewValue == "20").Reason.ShouldContain("fallback: agent reward 0.05 behind safe 0.80 for 3 decisions");
        guarded.StateOf("a→b").SafeFor.ShouldBe(0);
    }

    [Fact]
    public void AnAgentSheddingCallsASlowButHealthyBackendCouldServe_IsReplacedByTheSafeController()
    {
        // The downstream-latency case: the backend is slower (p99 60 ms of a 250 ms objective), nothing
        // queues or times out, the agent holds 10 where Gradient2 would hold 20 and its limiter sheds 30 %.
        // Its success share (0.7) stays well above the assumed safe reward (0.5), so only the live
        // estimate of the safe controller (1.0: the shed calls would have been served) can see the loss.
        var audit = new List<HormoneChange>();
        var agent = new StaticController("agent", PathwayHormones.Default with { ConcurrencyLimit = 10 });
        var safe = new StaticController("safe", PathwayHormones.Default with { ConcurrencyLimit = 20 });
        var guarded = new GuardedController(agent, safe, new GuardrailSettings(), audit: audit.Add);
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
        audit.First(c => c.Hormone == "concurrencyLimit").Reason.ShouldContain("behind the live estimate for the safe controller");
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
    public void TheRetryHead_IsBounded_AndGovernedAfterAnAmplifiedWindow()
    {
        var audit = new List<HormoneChange>();
        var greedy = new StaticController("greedy", PathwayHormones.Default with { MaxRetries = 3, RetryBudgetPercent = 80, RetryBudgetMinPerSecond = 50 });
        var guarded = new GuardedController(greedy, StaticController.Defaults, new GuardrailSettings(), audit: audit.Add);
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
            h => h.RetryBudgetPercent.ShouldBe(10),
            h => h.RetryBudgetMinPerSecond.ShouldBe(1));
        governed.ShouldSatisfyAllConditions(
            h => h.MaxRetries.ShouldBe(1),
            h => h.RetryBudgetPercent.ShouldBe(2),
            h => h.RetryBudgetMinPerSecond.ShouldBe(1));
        held.Take(9).ShouldAllBe(h => h.MaxRetries == 1 && h.RetryBudgetPercent == 2, "held down for the budget's 10-second window");
        held[^1].RetryBudgetPercent.ShouldBe(10, "then released");
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
