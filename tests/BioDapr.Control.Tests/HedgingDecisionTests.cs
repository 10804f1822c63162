using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Tests;

/// <summary>The agent's hedging rule (<see cref="PathwayAgent.Hedging"/>) and the guard's bounds on it.</summary>
public sealed class HedgingDecisionTests
{
    private const double Slo = 100;
    private static readonly PathwayHormones Off = PathwayHormones.Default with { ConcurrencyLimit = 40, TimeoutMs = 1_000 };

    // Suite slow replicas: a quarter of the calls land on a replica ten times slower; the rest answer in ~15 ms.
    private static readonly PathwayWindow SlowReplica = new(1, 400, 396, 4, 0, 15, 12, InFlight: 12) { RttP99Ms = 160, Attempts = 404, Timeouts = 2, MaxInFlight = 14 };

    // A congested target: the queue makes every answer slow (the body too) and attempts time out.
    private static readonly PathwayWindow Congested = new(1, 400, 300, 100, 0, 60, 12, InFlight: 40) { RttP99Ms = 240, Attempts = 440, Timeouts = 40, MaxInFlight = 40 };

    // Calm: p99 a little above the median.
    private static readonly PathwayWindow Calm = new(1, 400, 400, 0, 0, 15, 12, InFlight: 6) { RttP99Ms = 25, Attempts = 400, MaxInFlight = 8 };

    [Fact]
    public void ALongTailOverAFastBody_IsHedgedAfterTwiceTheMedian()
    {
        PathwayAgent.Hedging(SlowReplica, Off, Slo).ShouldBe((30, 1));
    }

    [Fact]
    public void ACongestedTarget_IsNotHedged_NorACalmOne()
    {
        PathwayAgent.Hedging(Congested, Off, Slo).ShouldBe((0, 0), "a hedge would only add load to a queue");
        PathwayAgent.Hedging(Calm, Off, Slo).ShouldBe((0, 0));
        PathwayAgent.Hedging(SlowReplica with { Rejected = 20 }, Off, Slo).ShouldBe((0, 0), "the limit sheds: more attempts would shed more");
    }

    [Fact]
    public void HedgingStays_WhileHedgesStillFire_AndStopsWhenTheTailIsGone()
    {
        var on = Off with { HedgeDelayMs = 30, MaxHedges = 1 };
        // The hedges cut the tail they answer for: p99 back near the body, but 20 % of the calls still hedged.
        var hedged = Calm with { Attempts = 480 };

        PathwayAgent.Hedging(hedged, on, Slo).ShouldBe((30, 1));
        PathwayAgent.Hedging(Calm, on, Slo).ShouldBe((0, 0), "no hedge fired and no tail: the slow replica recovered");
        PathwayAgent.Hedging(hedged, Off, Slo).ShouldBe((0, 0), "extra attempts alone (retries) do not start hedging");
    }

    [Fact]
    public void TheDelay_StaysBetweenItsBounds_AndAnEmptyWindowKeepsTheSetting()
    {
        var fastBody = SlowReplica with { RttP50Ms = 1, RttP99Ms = 60 };
        PathwayAgent.Hedging(fastBody, Off, Slo).ShouldBe((5, 1));
        PathwayAgent.Hedging(SlowReplica, Off with { TimeoutMs = 40 }, Slo).ShouldBe((20, 1), "a hedge has half the timeout to answer");
        var on = Off with { HedgeDelayMs = 30, MaxHedges = 1 };
        PathwayAgent.Hedging(new PathwayWindow(1, 0, 0, 0, 0, 0, 0, 0), on, Slo).ShouldBe((30, 1));
    }

    [Fact]
    public void Act_SetsTheHedgingHormones()
    {
        var (next, _) = PathwayAgent.Act(new float[PathwayAgent.ActionNames.Count], Off, AgentMemory.For(Off), 15, 40, SlowReplica, Slo);

        (next.HedgeDelayMs, next.MaxHedges).ShouldBe((30, 1));
        next.HedgingEnabled.ShouldBeTrue();
    }

    [Fact]
    public void TheGuard_BoundsHedges_AndTheirDelay_AndTurnsThemOffUnderTheRetryGovernor()
    {
        var wild = new StaticController("wild", Off with { HedgeDelayMs = 1, MaxHedges = 4, TimeoutMs = 100 });
        var audit = new List<HormoneChange>();
        var guarded = new GuardedController(wild, StaticController.Defaults, new GuardrailSettings { MaxStepFactor = 100, MinTimeoutMs = 5 }, audit: audit.Add);

        var first = guarded.Decide("a→b", Calm, guarded.Initial("a→b"));
        (first.HedgeDelayMs, first.MaxHedges).ShouldBe((5, 1), "at most one hedge, not sooner than 5 ms");

        var late = guarded.Decide("a→b", Calm, first with { TimeoutMs = 100 });
        late.HedgeDelayMs.ShouldBeLessThanOrEqualTo(late.TimeoutMs / 2);

        // Attempts far above the amplification the cortex may cause: the governor holds, and no hedging.
        var storming = Calm with { Attempts = 1_200 };
        var governed = guarded.Decide("a→b", storming, late);
        governed.HedgingEnabled.ShouldBeFalse();
        audit.ShouldContain(c => c.Reason.Contains("retry governor"));
    }
}
