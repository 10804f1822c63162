using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;
using BioDapr.Pathways.Vitals;

namespace BioDapr.Pathways.Pipeline;

/// <summary>
/// Everything one pathway keeps between calls: its hormone source and the state machines that must
/// survive hormone changes (breaker, retry budget, limiter), plus its vitals recorder.
/// </summary>
public sealed class PathwayState
{
    /// <summary>Creates the state of a pathway named <paramref name="name"/>.</summary>
    public PathwayState(string name, Func<PathwayHormones> hormones, TimeProvider time, Random random, VitalsRecorder vitals)
    {
        Name = name;
        Hormones = hormones;
        Time = time;
        Random = random;
        Vitals = vitals;
        Origin = time.GetTimestamp();
    }

    /// <summary>The pathway name (usually the target app id).</summary>
    public string Name { get; }

    /// <summary>Reads the current hormone snapshot (called on every decision).</summary>
    public Func<PathwayHormones> Hormones { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The randomness for backoff jitter (seeded where results must replay).</summary>
    public Random Random { get; }

    /// <summary>The vital signs of this pathway.</summary>
    public VitalsRecorder Vitals { get; }

    /// <summary>The circuit breaker.</summary>
    public CircuitBreaker Breaker { get; } = new();

    /// <summary>The retry budget.</summary>
    public RetryBudget Budget { get; } = new();

    /// <summary>The concurrency limiter and its queue.</summary>
    public ConcurrencyLimiter<TaskCompletionSource<bool>> Limiter { get; } = new();

    private long Origin { get; }

    /// <summary>Monotonic time since the pathway was created (what the state machines count in).</summary>
    public TimeSpan Now => Time.GetElapsedTime(Origin);
}
