using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;

namespace BioDapr.Simulation.Tests;

/// <summary>The cortex's guardrail in the simulator: its fallback against a live estimate of Gradient2.</summary>
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
        withGuard.Efficiency.ShouldBeGreaterThan(gradient2.Efficiency - 0.05, $"the fallback takes over (alone {alone.Efficiency:F3}, Gradient2 {gradient2.Efficiency:F3})");
        audit.ShouldContain(c => c.Reason.Contains("behind the live estimate for the safe controller", StringComparison.Ordinal));
    }
}
