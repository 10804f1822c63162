namespace BioDapr.Scenarios;

/// <summary>
/// A reproducible incident: a topology of cells, a latency SLO, and phases of load and faults.
/// The live load generator drives the real organism with it; the cortex's simulator runs it in
/// simulated time. See docs/scenarios.md for the file format.
/// </summary>
public sealed record Scenario
{
    /// <summary>The scenario's name.</summary>
    public required string Name { get; init; }

    /// <summary>The seed every random draw derives from (arrivals, service times, faults).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The latency SLO and the clients' deadline.</summary>
    public required ServiceLevel Slo { get; init; }

    /// <summary>The cells and the calls between them.</summary>
    public required Topology Topology { get; init; }

    /// <summary>The reference capacity (requests per second at the entry) that percentages refer to.</summary>
    public required double CapacityRps { get; init; }

    /// <summary>How the clients behave (retries of their own); none by default.</summary>
    public ClientBehaviour Clients { get; init; } = ClientBehaviour.None;

    /// <summary>The phases, in order.</summary>
    public required IReadOnlyList<ScenarioPhase> Phases { get; init; }

    /// <summary>Total length.</summary>
    public TimeSpan Duration => Phases.Aggregate(TimeSpan.Zero, (sum, phase) => sum + phase.Duration);

    /// <summary>The phase active at <paramref name="offset"/> from the start, and when it started; null past the end.</summary>
    public (ScenarioPhase Phase, TimeSpan Start)? PhaseAt(TimeSpan offset)
    {
        var start = TimeSpan.Zero;
        foreach (var phase in Phases)
        {
            if (offset < start + phase.Duration)
            {
                return (phase, start);
            }

            start += phase.Duration;
        }

        return null;
    }

    /// <summary>The arrival rate (requests per second) at <paramref name="offset"/>; 0 past the end.</summary>
    public double RateAt(TimeSpan offset) =>
        PhaseAt(offset) is { } current ? current.Phase.Rate.At(offset - current.Start, current.Phase.Duration, CapacityRps) : 0;

    /// <summary>Scales every phase length by <paramref name="factor"/> (a shortened run of the same story, e.g. for CI).</summary>
    public Scenario Shortened(double factor) => this with
    {
        Phases = Phases.Select(p => p with { Duration = TimeSpan.FromTicks((long)(p.Duration.Ticks * factor)) }).ToList(),
    };
}

/// <summary>
/// The clients' own retries: after a failure or after giving up at the deadline, a client tries again
/// (up to <paramref name="Retries"/> times) after <paramref name="BackoffMs"/> × a uniform jitter in
/// [0.5, 1.5). The server does not learn that a client gave up, so it keeps working on abandoned
/// requests: retries can keep a system overloaded after their trigger is gone (a retry storm).
/// </summary>
/// <param name="Retries">Retries per request (0: none).</param>
/// <param name="BackoffMs">Mean wait before a retry.</param>
public sealed record ClientBehaviour(int Retries, double BackoffMs)
{
    /// <summary>Clients that never retry.</summary>
    public static ClientBehaviour None { get; } = new(0, 0);
}
