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
        var guarded = new GuardedController(wild, StaticController.Defaults, new GuardrailSettings { MaxStepFactor = 2, MaxConcurrencyLimit = 300, MinTimeoutMs = 50 }, audit: audit.Add);
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
