using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;
using BioDapr.Simulation.Training;

namespace BioDapr.Simulation.Tests;

/// <summary>The simulator's families beyond the reference: retry storms, slow replicas with hedging, several entry APIs.</summary>
public sealed class FamilyTests
{
    private static Scenario Suite(string name) => ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "suite", name + ".yaml"));

    private static double Phase(RunReport report, string phase) => report.Phases.First(p => p.Phase == phase).Efficiency ?? double.NaN;

    // Goodput ÷ bound over the last <paramref name="seconds"/> of a phase.
    private static double EndOf(Scenario scenario, RunReport report, string phase, int seconds)
    {
        var end = (int)scenario.Phases.TakeWhile(p => p.Name != phase).Sum(p => p.Duration.TotalSeconds) + (int)scenario.Phases.First(p => p.Name == phase).Duration.TotalSeconds;
        var window = report.Timeline.Where(t => t.Second >= end - seconds && t.Second < end).ToList();
        return window.Sum(t => t.Goodput) / window.Sum(t => t.Oracle);
    }

    [Fact]
    public void ClientRetries_KeepTheOverloadAliveAfterTheSpike_WhileTheSameLoadWithoutThemRecovers()
    {
        var storm = Suite("retry-storm");
        var calm = storm with { Clients = ClientBehaviour.None };
        var defaults = new StaticController("defaults", PathwayHormones.Default);

        var withRetries = ScenarioRun.Evaluate(storm, defaults, seed: 1);
        var without = ScenarioRun.Evaluate(calm, defaults, seed: 1);
        var stormResult = new Simulator(storm, defaults, ScenarioRun.DecisionInterval, seed: 1).Run();

        EndOf(calm, without, "after-spike", 15).ShouldBeGreaterThan(0.9, "at 85 % load the backlog of the spike drains");
        EndOf(storm, withRetries, "after-spike", 15).ShouldBeLessThan(0.3, "the clients' retries keep the bottleneck overloaded: a metastable failure");
        EndOf(calm, without, "after-slowdown", 15).ShouldBeGreaterThan(0.9);
        Phase(withRetries, "steady").ShouldBeGreaterThan(0.9, "before the trigger the same load is fine");
        stormResult.ClientAmplification.ShouldBeGreaterThan(1.3);
    }

    [Fact]
    public void SlowReplicas_HurtWithoutHedging_AndAHedgeRecoversTheGoodput()
    {
        var scenario = Suite("slow-replicas");
        var plain = new StaticController("plain", PathwayHormones.Default);
        var hedged = new StaticController("hedged", PathwayHormones.Default with { HedgeDelayMs = 40, MaxHedges = 1 });

        var slow = ScenarioRun.Evaluate(scenario, plain, seed: 2);
        var fast = ScenarioRun.Evaluate(scenario, hedged, seed: 2);

        Phase(slow, "warm-up").ShouldBeGreaterThan(0.95);
        Phase(slow, "one-slow").ShouldBeLessThan(0.85, "a quarter of the calls wait on the slow replica");
        Phase(fast, "one-slow").ShouldBeGreaterThan(Phase(slow, "one-slow") + 0.1);
        fast.AmplificationP95.ShouldBeGreaterThan(1.0, "hedged requests count as attempts");
    }

    [Fact]
    public void ThePhaseMix_DecidesWhichApiTheRequestsCall()
    {
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "scenarios", "suite", "multi-api.yaml"));
        var scenario = ScenarioParser.Parse(yaml, "multi-api.yaml");
        var onlyCheckout = scenario with { Phases = [scenario.Phases[0] with { Mix = new Dictionary<string, double> { ["checkout"] = 1 } }] };

        var mixed = new Simulator(scenario with { Phases = [scenario.Phases[0]] }, seed: 3).Run();
        var single = new Simulator(onlyCheckout, seed: 3).Run();

        single.Calls.GetValueOrDefault("search→db").ShouldBe(0);
        single.Calls.GetValueOrDefault("reports→db").ShouldBe(0);
        var total = mixed.Calls["checkout→db"] + mixed.Calls["search→db"] + mixed.Calls["reports→db"];
        ((double)mixed.Calls["reports→db"] / total).ShouldBe(0.15 * 4 / 1.75 / 1.0 * 0.25 / (0.25), 0.05, "calls are per db visit: 4 of 1.75 per request come from reports");
    }

    [Fact]
    public void PerApiAdmission_ShedsTheExpensiveApiFirst_AndKeepsMoreGoodputInItsSurge()
    {
        var scenario = Suite("multi-api");
        var open = new StaticController("open", PathwayHormones.Default);
        var perApi = new StaticController("per-api", p => PathwayHormones.Default with { ConcurrencyLimit = p == "reports→db" ? 1 : 256 });

        var shared = ScenarioRun.Evaluate(scenario, open, seed: 4);
        var admitted = ScenarioRun.Evaluate(scenario, perApi, seed: 4);

        Phase(admitted, "reports-surge").ShouldBeGreaterThan(Phase(shared, "reports-surge") + 0.1);
    }

    [Theory]
    [InlineData(ScenarioFamily.RetryStorm)]
    [InlineData(ScenarioFamily.SlowReplicas)]
    [InlineData(ScenarioFamily.MultiApi)]
    public void TheGenerator_DrawsTheNewFamilies_Reproducibly(ScenarioFamily family)
    {
        var a = ScenarioGenerator.Generate(17, family);
        var b = ScenarioGenerator.Generate(17, family);

        System.Text.Json.JsonSerializer.Serialize(a).ShouldBe(System.Text.Json.JsonSerializer.Serialize(b));
        a.Name.ShouldContain(ScenarioGenerator.FamilyName(family));
        switch (family)
        {
            case ScenarioFamily.RetryStorm:
                a.Clients.Retries.ShouldBeInRange(2, 3);
                break;
            case ScenarioFamily.SlowReplicas:
                a.Topology["orders"].Replicas.ShouldBeInRange(3, 6);
                a.Phases.SelectMany(p => p.Faults).ShouldContain(f => f.Replicas > 0 && f.Replicas < a.Topology["orders"].Replicas);
                break;
            default:
                a.Topology.Apis.Count.ShouldBe(3);
                a.Phases.ShouldContain(p => p.Mix != null);
                break;
        }

        ScenarioRun.Evaluate(a, new StaticController("defaults", PathwayHormones.Default), seed: 1).Efficiency.ShouldBeInRange(0.05, 1.2);
    }
}
