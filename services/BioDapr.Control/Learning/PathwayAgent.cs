using BioDapr.Control.Controllers;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Learning;

/// <summary>What the agent remembers about one pathway between decisions (kept in its actor's state live).</summary>
/// <param name="BaselineRttMs">The pathway's latency when calm: a slowly rising minimum of the window medians (0 until the first success).</param>
/// <param name="Limit">The concurrency limit as a real number (the hormone is its rounding), so small steps accumulate.</param>
/// <param name="TimeoutMs">The attempt timeout as a real number.</param>
public sealed record AgentMemory(double BaselineRttMs, double Limit, double TimeoutMs)
{
    /// <summary>Memory for a pathway currently at <paramref name="current"/>.</summary>
    public static AgentMemory For(PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new AgentMemory(0, current.ConcurrencyLimit, current.TimeoutMs);
    }
}

/// <summary>
/// The learning agent of one pathway: turns a window of vital signs into features, asks the model for
/// an action, and maps the action to hormones. Actions are relative steps, clipped to ±1:
/// <c>limit × e^(0.25·a₀)</c> and <c>timeout × e^(0.25·a₁)</c>, so one decision moves a value by at
/// most ±28 %; retries, budget and breaker stay at the agent's safe settings. Pure: the caller keeps
/// the memory (a dictionary in the simulator, actor state in the live cortex).
/// </summary>
public static class PathwayAgent
{
    /// <summary>The largest step per decision, as a log factor.</summary>
    public const float StepScale = 0.25f;

    /// <summary>Names of the observation features, in order (recorded in the weights file).</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "successShare", "shedShare", "failureShare", "timeoutShare", "latencyInflation",
        "utilisation", "logLimit", "timeoutHeadroom", "amplification", "logRate",
    ];

    /// <summary>Names of the action dimensions, in order.</summary>
    public static IReadOnlyList<string> ActionNames { get; } = ["limitStep", "timeoutStep"];

    /// <summary>Where the agent starts a pathway: BioDapr's defaults with a moderate limit.</summary>
    public static PathwayHormones InitialHormones { get; } = PathwayHormones.Default with { ConcurrencyLimit = 32 };

    /// <summary>Builds the observation for <paramref name="window"/> (and updates the latency baseline).</summary>
    public static (float[] Observation, double Baseline) Observe(PathwayWindow window, PathwayHormones current, AgentMemory memory)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(memory);
        var baseline = memory.BaselineRttMs;
        if (window.Successes > 0 && window.RttP50Ms > 0)
        {
            // A minimum that forgets slowly (1 % a window), so a lasting change of the calm latency is learned.
            baseline = baseline <= 0 ? window.RttP50Ms : Math.Min(window.RttP50Ms, baseline * 1.01);
        }

        double Share(long part, long whole) => whole <= 0 ? 0 : Math.Clamp((double)part / whole, 0, 1);
        var inflation = window.Successes > 0 && baseline > 0 ? Math.Clamp(Math.Log(Math.Max(window.RttP50Ms, 1e-3) / baseline), 0, 3) / 3 : 0;
        var p99 = window.RttP99Ms > 0 ? window.RttP99Ms : window.RttP50Ms;
        var headroom = p99 > 0 ? Math.Clamp(Math.Log(current.TimeoutMs / p99), -3, 5) / 5 : 1;
        var observation = new[]
        {
            window.Calls == 0 ? 1f : (float)Share(window.Successes, window.Calls),
            (float)Share(window.Rejected, window.Calls),
            (float)Share(window.Failures, window.Calls),
            (float)Share(window.Timeouts, window.Attempts),
            (float)inflation,
            (float)(Math.Clamp((double)Math.Max(window.MaxInFlight, window.InFlight) / current.ConcurrencyLimit, 0, 2) / 2),
            (float)(Math.Log(current.ConcurrencyLimit) / Math.Log(1000)),
            (float)headroom,
            (float)Math.Clamp(window.Amplification - 1, 0, 2),
            (float)(Math.Log(1 + (window.Calls / Math.Max(window.Seconds, 1e-3))) / 8),
        };
        return (observation, baseline);
    }

    /// <summary>Applies <paramref name="action"/> to the current hormones (bounds are the guardrails' job, plus the hormone ranges).</summary>
    public static (PathwayHormones Next, AgentMemory Memory) Act(ReadOnlySpan<float> action, PathwayHormones current, AgentMemory memory, double baseline)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(memory);
        // Someone else changed the hormone (an operator, the fallback controller): start from its value.
        var limit = (int)Math.Round(memory.Limit) == current.ConcurrencyLimit ? memory.Limit : current.ConcurrencyLimit;
        var timeout = (int)Math.Round(memory.TimeoutMs) == current.TimeoutMs ? memory.TimeoutMs : current.TimeoutMs;
        limit = Math.Clamp(limit * Math.Exp(StepScale * Math.Clamp(action[0], -1, 1)), 1, 100_000);
        timeout = Math.Clamp(timeout * Math.Exp(StepScale * Math.Clamp(action[1], -1, 1)), 1, 60_000);
        var next = current with
        {
            ConcurrencyLimit = Math.Max(1, (int)Math.Round(limit)),
            TimeoutMs = Math.Max(1, (int)Math.Round(timeout)),
        };
        return (next, new AgentMemory(baseline, limit, timeout));
    }
}
