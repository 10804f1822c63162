namespace BioDapr.Sidecar.Resiliency;

/// <summary>A thread-safe view of an injected (seeded) <see cref="Random"/>, used for exponential back-off jitter.</summary>
internal sealed class RetryJitter(Random random)
{
    private readonly Lock _lock = new();

    /// <summary>A value in [0, 1).</summary>
    public double NextDouble()
    {
        lock (_lock)
        {
            return random.NextDouble();
        }
    }
}
