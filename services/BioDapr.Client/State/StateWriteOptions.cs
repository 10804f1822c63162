namespace BioDapr.Client;

/// <summary>The <c>options</c> object of a state write or delete.</summary>
/// <param name="Concurrency">First-write or last-write.</param>
/// <param name="Consistency">Strong or eventual.</param>
public sealed record StateWriteOptions(
    StateConcurrencyMode Concurrency = StateConcurrencyMode.Unspecified,
    StateConsistencyMode Consistency = StateConsistencyMode.Unspecified)
{
    /// <summary>First-write concurrency.</summary>
    public static StateWriteOptions FirstWrite { get; } = new(StateConcurrencyMode.FirstWrite);

    /// <summary>Last-write concurrency.</summary>
    public static StateWriteOptions LastWrite { get; } = new(StateConcurrencyMode.LastWrite);

    internal bool IsEmpty => Concurrency == StateConcurrencyMode.Unspecified && Consistency == StateConsistencyMode.Unspecified;

    internal static string? ToWire(StateConcurrencyMode mode) => mode switch
    {
        StateConcurrencyMode.FirstWrite => "first-write",
        StateConcurrencyMode.LastWrite => "last-write",
        _ => null,
    };

    internal static string? ToWire(StateConsistencyMode mode) => mode switch
    {
        StateConsistencyMode.Eventual => "eventual",
        StateConsistencyMode.Strong => "strong",
        _ => null,
    };
}
