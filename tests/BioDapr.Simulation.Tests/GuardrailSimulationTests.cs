using System.Globalization;
using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;

namespace BioDapr.Simulation.Tests;

/// <summary>The cortex's guardrail in the simulator: its goodput reward and its fallback against live estimates of the classic controllers.</summary>
public sealed class GuardrailSimulationTests
{
    private static Scenario Suite(string name) => ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "suite", name + ".yaml"));

    [Fact]
    public void AnAgentThatShedsOnASlowButHealthyBackend_IsReplacedByGradient2_AndLosesLittle()
    {
        // The downstream-latency family: an "agent" that holds every limit at 8 sheds calls the slower
        // backend could serve; its success share stays high, so only the live estimate exposes it.
        var scenario = Suite("downstream-latency");
        var shedder = new StaticController("shedder", PathwayHormones.Default with { ConcurrencyLimit = 8 });
        var audit = new List<HormoneChange>();
        var guarded = new GuardedController(new StaticController("shedder", PathwayHormones.Default with { ConcurrencyLimit = 8 }), new Gradient2Controller("gradient2"), new GuardrailSettings { LatencyObjectiveMs = scenario.Slo.LatencyMs }, audit: audit.Add);

        var alone = ScenarioRun.Evaluate(scenario, shedder, seed: 1);
        var withGuard = ScenarioRun.Evaluate(scenario, guarded, seed: 1);
        var gradient2 = ScenarioRun.Evaluate(scenario, new Gradient2Controller("gradient2"), seed: 1);

        alone.Efficiency.ShouldBeLessThan(gradient2.Efficiency - 0.1, "the case exists: shedding costs goodput");
        // Most, not all, of the loss: after each cool-down the agent decides again until it has been behind
        // for the patience, and its shedding on orders→inventory then opens gateway→orders' breaker for a few
        // seconds (seed 1: alone 0.699, guarded 0.886, Gradient2 0.996; docs/cortex.md, "Guardrails").
        withGuard.Efficiency.ShouldBeGreaterThan(alone.Efficiency + (0.6 * (gradient2.Efficiency - alone.Efficiency)), $"the fallback takes over (alone {alone.Efficiency:F3}, Gradient2 {gradient2.Efficiency:F3})");
        audit.ShouldContain(c => c.Reason.Contains("behind its live estimate", StringComparison.Ordinal));
    }

    [Fact]
    public void AnAgentThatAdmitsEverythingAndAnswersLate_IsReplacedByGradient2()
    {
        // The tight-SLO family (60 ms over about 20 ms of path time): an "agent" that holds every limit at
        // 48 (six times orders' 8 slots) lets calls queue in the cells until they answer after the objective. Nearly every call still
        // succeeds, so a guard rewarded by the success share never sees it; the goodput reward and the
        // estimate of Gradient2's lower limit (Little's law: the same throughput, shorter queues) do.
        var scenario = Suite("tight-slo");
        static IPathwayController AdmitAll() => new StaticController("admit-all", PathwayHormones.Default with { ConcurrencyLimit = 48 });
        static IPathwayController Gradient2() => new Gradient2Controller("gradient2") { MinLimit = 4 };
        var audit = new List<HormoneChange>();
        var guarded = new GuardedController(AdmitAll(), Gradient2(), new GuardrailSettings { LatencyObjectiveMs = scenario.Slo.LatencyMs }, audit: audit.Add);

        var alone = ScenarioRun.Evaluate(scenario, AdmitAll(), seed: 1);
        var withGuard = ScenarioRun.Evaluate(scenario, guarded, seed: 1);
        var gradient2 = ScenarioRun.Evaluate(scenario, Gradient2(), seed: 1);

        alone.Efficiency.ShouldBeLessThan(gradient2.Efficiency - 0.1, "the case exists: admitting everything costs goodput");
        // Most, not all, of the loss: the guard needs the patience (5 windows) to act, each fallback is
        // stepped down by at most 1.5× a decision, and the agent decides again after each cool-down
        // (seed 1: alone 0.642, guarded 0.823, Gradient2 0.929).
        withGuard.Efficiency.ShouldBeGreaterThan(alone.Efficiency + (0.6 * (gradient2.Efficiency - alone.Efficiency)), $"the fallback takes over (alone {alone.Efficiency:F3}, Gradient2 {gradient2.Efficiency:F3})");
        audit.ShouldContain(c => c.Reason.Contains("behind its live estimate", StringComparison.Ordinal));
    }

    [Fact]
    public void AtAnOverloadSpikesOnset_OnATightObjective_TheGuardDoesNotFallBackByRaisingTheLimit()
    {
        // suite-tight-slo's overload spike (seconds 130–145: arrivals at twice the capacity, a 60 ms objective
        // over about 20 ms of path, orders' 8 slots). The agent stands in as its untrained self, Gradient2 with
        // floor 4 (the residual at zero), and holds gateway→orders near 19. The guard shadows the tuned
        // Gradient2 (floor 19, ceiling 42). Its estimate used to credit the shadow's higher limit with the calls
        // the limiter shed, so it "fell back" at the onset by raising the limit to 29 and 34 while orders
        // already queued: for about 4 s almost nothing was answered in time. This was first read as the agent
        // raising the limit (docs/benchmarks.md); it was the guard.
        var scenario = Suite("tight-slo");
        var second = 0;
        var raises = new List<string>();
        var guarded = new GuardedController(Agent(), TunedGradient2(), new GuardrailSettings { LatencyObjectiveMs = scenario.Slo.LatencyMs }, audit: change =>
        {
            if (second is >= 130 and < 145 && change.Pathway == "gateway→orders" && change.Hormone == "concurrencyLimit"
                && change.Reason.StartsWith("fallback", StringComparison.Ordinal) && int.Parse(change.NewValue, CultureInfo.InvariantCulture) > int.Parse(change.OldValue, CultureInfo.InvariantCulture))
            {
                raises.Add($"{second}: {change.OldValue}→{change.NewValue} ({change.Reason})");
            }
        });
        var clocked = new Clocked(guarded, () => second++);

        var withGuard = ScenarioRun.Evaluate(scenario, clocked, seed: 1);
        var alone = ScenarioRun.Evaluate(scenario, Agent(), seed: 1);

        raises.ShouldBeEmpty("the guard raised gateway→orders at the spike");
        withGuard.Efficiency.ShouldBeGreaterThan(alone.Efficiency - 0.01, "the guard costs the agent nothing here");
    }

    [Fact]
    public void OnADownstreamLatency_TheCutHold_KeepsTheUntrainedAgentLevelWithTunedGradient2()
    {
        // suite-downstream-latency: inventory answers 40 ms slower, then 60 % of its calls 90 ms slower, at a
        // calm rate. The untrained agent (Gradient2 with floor 4: the residual at zero) reads the round-trip
        // time as congestion and walks orders→inventory's limit down until it sheds calls inventory would
        // have answered in time; the guard's live estimate catches it only after its patience, and the agent
        // resumes with its own low limits after each cool-down. With the cut hold a cut needs congestion at
        // the target (late calls, failures or timeouts), so the limits stay where the calls need them.
        var scenario = Suite("downstream-latency");
        var audit = new List<HormoneChange>();
        var settings = new GuardrailSettings { LatencyObjectiveMs = scenario.Slo.LatencyMs };

        var held = ScenarioRun.Evaluate(scenario, new GuardedController(Agent(), TunedGradient2(), settings, audit: audit.Add), seed: 1);
        var unheld = ScenarioRun.Evaluate(scenario, new GuardedController(Agent(), TunedGradient2(), settings with { HoldCutsWithoutCongestion = false }), seed: 1);
        var gradient2 = ScenarioRun.Evaluate(scenario, TunedGradient2(), seed: 1);

        unheld.Efficiency.ShouldBeLessThan(gradient2.Efficiency - 0.01, "the case exists: without the hold the agent sheds");
        held.Efficiency.ShouldBeGreaterThan(gradient2.Efficiency - 0.01, $"within the 1 % bound (held {held.Efficiency:F3}, without {unheld.Efficiency:F3}, tuned Gradient2 {gradient2.Efficiency:F3})");
        audit.ShouldContain(c => c.Pathway == "orders→inventory" && c.Reason.Contains("no congestion at the target", StringComparison.Ordinal));
    }

    [Fact]
    public void OnADownstreamLatency_TheShedRaise_KeepsTheSlowerSomePhase_LevelWithTunedGradient2()
    {
        // suite-downstream-latency's slower-some phase: 60 % of inventory's calls answer 90 ms slower. The
        // limit right-sized in the calm seconds before (11 for 1,000 calls a second at 2.7 ms) shed half
        // the calls inventory answered in time, orders failed those orders, the agent cut gateway→orders
        // on the failures, and only the fallback lifted them 5 decisions later. With the shed raise the
        // guard lifts orders→inventory (its target's only caller) the first second it sheds.
        var scenario = Suite("downstream-latency");
        var audit = new List<HormoneChange>();
        var settings = new GuardrailSettings { LatencyObjectiveMs = scenario.Slo.LatencyMs };
        static double SlowerSome(RunReport report) => report.Phases.Single(p => p.Phase == "slower-some").Efficiency ?? 0;

        var raised = ScenarioRun.Evaluate(scenario, new GuardedController(Agent(), TunedGradient2(), settings, audit: audit.Add), seed: 1);
        var before = ScenarioRun.Evaluate(scenario, new GuardedController(Agent(), TunedGradient2(), settings with { RaiseShedWithoutCongestion = false }), seed: 1);
        var gradient2 = ScenarioRun.Evaluate(scenario, TunedGradient2(), seed: 1);

        SlowerSome(before).ShouldBeLessThan(SlowerSome(gradient2) - 0.02, "the case exists: without the raise the held limit sheds");
        SlowerSome(raised).ShouldBeGreaterThan(SlowerSome(gradient2) - 0.01, $"within a point (raised {SlowerSome(raised):F3}, before {SlowerSome(before):F3}, tuned Gradient2 {SlowerSome(gradient2):F3})");
        audit.ShouldContain(c => c.Pathway == "orders→inventory" && c.Reason.Contains("shedding limit raised", StringComparison.Ordinal));
    }

    /// <summary>Counts gateway→orders' decisions (one a second) before passing each one on.</summary>
    private sealed class Clocked(IPathwayController inner, Action tick) : IPathwayController
    {
        public string Name => inner.Name;

        public PathwayHormones Initial(string pathway) => inner.Initial(pathway);

        public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
        {
            if (pathway == "gateway→orders")
            {
                tick();
            }

            return inner.Decide(pathway, window, current);
        }
    }

    // The untrained agent (Gradient2 with floor 4: the residual at zero) and tuned Gradient2 (the committed tuning).
    private static Gradient2Controller Agent() => new("agent") { MinLimit = 4 };

    private static Gradient2Controller TunedGradient2() => new("gradient2-tuned")
    {
        InitialLimit = 19, MinLimit = 19, MaxLimit = 42, Smoothing = 0.458, RttTolerance = 1.917, LongWindow = 600, QueueSize = 4,
    };
}
