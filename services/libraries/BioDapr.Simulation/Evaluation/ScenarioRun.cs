using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;

namespace BioDapr.Simulation.Evaluation;

/// <summary>Runs one controller on one scenario and seed in the simulator and evaluates the run.</summary>
public static class ScenarioRun
{
    /// <summary>The decision interval of every benchmark run (the cells' vitals window).</summary>
    public static readonly TimeSpan DecisionInterval = TimeSpan.FromSeconds(1);

    /// <summary>The pathways of a topology, as <c>caller→target</c> keys.</summary>
    public static IReadOnlyList<string> PathwaysOf(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return topology.Cells
            .SelectMany(c => c.Value.Calls.Select(call => c.Key + "→" + call.Target))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Simulates <paramref name="scenario"/> under <paramref name="controller"/> with <paramref name="seed"/>.</summary>
    public static RunReport Evaluate(Scenario scenario, IPathwayController controller, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(controller);
        var initial = InitialHormones(scenario, controller);
        var simulator = new Simulator(scenario, controller, DecisionInterval, seed);
        var result = simulator.Run();
        return RunEvaluator.Evaluate(scenario, result, simulator.Decisions, initial, controller.Name, seed);
    }

    /// <summary>The initial hormones of every pathway under <paramref name="controller"/>.</summary>
    public static IReadOnlyDictionary<string, PathwayHormones> InitialHormones(Scenario scenario, IPathwayController controller)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(controller);
        return PathwaysOf(scenario.Topology).ToDictionary(p => p, controller.Initial, StringComparer.Ordinal);
    }
}
