using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Learning;

/// <summary>
/// The cortex's learning agent as an <see cref="IPathwayController"/>: one <see cref="PathwayAgent"/>
/// memory per pathway, all sharing one model. Deterministic (the mean action) unless
/// <see cref="Exploration"/> is set, which samples from the Gaussian policy and reports every step to
/// <see cref="Recorder"/> (training).
/// </summary>
public sealed class LearningController(IPolicyModel model, string name = "cortex") : IPathwayController
{
    private readonly Dictionary<string, AgentMemory> _memory = new(StringComparer.Ordinal);

    /// <summary>When set, actions are sampled (training); when null, the mean action is used.</summary>
    public Random? Exploration { get; init; }

    /// <summary>Called for every decision with the pathway, observation, action and its log-probability.</summary>
    public Action<string, float[], float[], float>? Recorder { get; init; }

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <summary>The agent's memory of a pathway (null before its first decision).</summary>
    public AgentMemory? MemoryOf(string pathway) => _memory.GetValueOrDefault(pathway);

    /// <summary>Restores a pathway's memory (the live cortex keeps it in the pathway's actor).</summary>
    public void Restore(string pathway, AgentMemory memory) => _memory[pathway] = memory ?? throw new ArgumentNullException(nameof(memory));

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => PathwayAgent.InitialHormones;

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var memory = _memory.TryGetValue(pathway, out var known) ? known : AgentMemory.For(current);
        var (observation, baseline) = PathwayAgent.Observe(window, current, memory);
        var action = new float[model.ActionSize];
        var logProbability = 0f;
        if (Exploration is { } random)
        {
            logProbability = model.Sample(observation, random, action);
        }
        else
        {
            model.Mean(observation, action);
        }

        Recorder?.Invoke(pathway, observation, action, logProbability);
        var (next, remembered) = PathwayAgent.Act(action, current, memory, baseline);
        _memory[pathway] = remembered;
        return next;
    }
}
