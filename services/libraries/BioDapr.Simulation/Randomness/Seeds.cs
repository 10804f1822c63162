namespace BioDapr.Simulation.Randomness;

/// <summary>The independent random streams of one simulation run (common random numbers across controllers).</summary>
public enum RandomSource
{
    /// <summary>When requests arrive at the entry.</summary>
    Arrivals = 1,

    /// <summary>How long each piece of work takes.</summary>
    ServiceTimes = 2,

    /// <summary>Which calls a fault hits (error and latency fractions).</summary>
    Faults = 3,

    /// <summary>Retry back-off jitter.</summary>
    Retries = 4,

    /// <summary>Which entry API a request calls (scenarios with several APIs).</summary>
    Mix = 5,

    /// <summary>Which replica the load balancer picks (cells with several replicas).</summary>
    Balancing = 6,

    /// <summary>The clients' own retry back-off jitter.</summary>
    ClientRetries = 7,
}

/// <summary>
/// Deterministic seed derivation (SplitMix64 finaliser over the parts): the same parts give the same seed
/// in every process and on every machine, unlike <c>HashCode.Combine</c>, which .NET randomises per
/// process. Used for the simulator's streams, training episodes, exploration and scenario generation.
/// </summary>
public static class Seeds
{
    /// <summary>A 31-bit non-negative seed derived from <paramref name="parts"/>.</summary>
    public static int Derive(params ReadOnlySpan<long> parts)
    {
        var state = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            state = Mix(state ^ unchecked((ulong)part));
        }

        return (int)(state >> 33);
    }

    /// <summary>The seed of one stream of a run seeded with <paramref name="seed"/>.</summary>
    public static int Of(int seed, RandomSource stream) => Derive(seed, (long)stream, 0x5EED);

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
