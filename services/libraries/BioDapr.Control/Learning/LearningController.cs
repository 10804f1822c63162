using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Learning;

/// <summary>
/// The cortex's learning agent as an <see cref="IPathwayController"/>: one <see cref="PathwayAgent"/>
/// memory per pathway, all sharing one model, acting as a residual on a Gradient2 controller it runs
/// beside itself (<see cref="Base"/>). Each decision also sees its neighbours' last windows (the target's
/// own outgoing pathways, and other callers of the same target). Deterministic (the mean action) unless
/// <see cref="Exploration"/> is set, which samples from the Gaussian policy and reports every step to
/// <see cref="Recorder"/> (training).
/// </summary>
public sealed class LearningController(IPolicyModel model, string name = "cortex") : IPathwayController
{
    private readonly Dictionary<string, AgentMemory> _memory = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PathwayWindow> _lastWindows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PathwayHormones> _base = new(StringComparer.Ordinal);

    /// <summary>When set, actions are sampled (training); when null, the mean action is used.</summary>
    public Random? Exploration { get; init; }

    /// <summary>Called for every decision with the pathway, observation, action and its log-probability.</summary>
    public Action<string, float[], float[], float>? Recorder { get; init; }

    /// <summary>The latency objective the observations are scaled by, ms.</summary>
    public double SloMs { get; init; } = 250;

    /// <summary>The controller whose limit the agent's first action scales (Netflix's Gradient2, floor 4 by default).</summary>
    public Gradient2Controller Base { get; init; } = new("gradient2-base") { MinLimit = 4 };

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <summary>The agent's memory of a pathway (null before its first decision).</summary>
    public AgentMemory? MemoryOf(string pathway) => _memory.GetValueOrDefault(pathway);

    /// <summary>Restores a pathway's memory (the live cortex keeps it in the pathway's actor).</summary>
    public void Restore(string pathway, AgentMemory memory) => _memory[pathway] = memory ?? throw new ArgumentNullException(nameof(memory));

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => PathwayAgent.InitialHormones with { ConcurrencyLimit = Base.InitialLimit };

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(pathway);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        var memory = _memory.TryGetValue(pathway, out var known) ? known : AgentMemory.For(current);
        // Gradient2 runs on its own previous choice, so the residual scales what Gradient2 would hold
        // and does not compound on the agent's last limit decision after decision.
        var baseHormones = Base.Decide(pathway, window, _base.GetValueOrDefault(pathway, current));
        _base[pathway] = baseHormones;
        var gradient2 = baseHormones.ConcurrencyLimit;
        var neighbours = Neighbours(pathway);
        _lastWindows[pathway] = window;
        var (observation, baseline) = PathwayAgent.Observe(window, current, memory, SloMs, neighbours, gradient2);
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
        var (next, remembered) = PathwayAgent.Act(action, current, memory, baseline, gradient2, window, SloMs);
        _memory[pathway] = remembered;
        return next;
    }

    private NeighbourSignals Neighbours(string pathway)
    {
        var arrow = pathway.IndexOf('→', StringComparison.Ordinal);
        if (arrow < 0)
        {
            return NeighbourSignals.None;
        }

        var (caller, target) = (pathway[..arrow], pathway[(arrow + 1)..]);
        double downstream = 0, downstreamP99 = 0, sibling = 0;
        foreach (var (other, window) in _lastWindows)
        {
            var split = other.IndexOf('→', StringComparison.Ordinal);
            if (split < 0 || other == pathway)
            {
                continue;
            }

            var trouble = window.Calls == 0 ? 0 : (double)(window.Failures + window.Rejected) / window.Calls;
            if (other[..split] == target)
            {
                downstream = Math.Max(downstream, trouble);
                downstreamP99 = Math.Max(downstreamP99, (window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms) / SloMs);
            }
            else if (other[(split + 1)..] == target && other[..split] != caller)
            {
                sibling = Math.Max(sibling, trouble);
            }
        }

        return new NeighbourSignals(downstream, downstreamP99, sibling);
    }
}
