namespace BioDapr.Sidecar.Components.State;

/// <summary>Dapr's <c>options.concurrency</c>.</summary>
internal enum StateConcurrency
{
    /// <summary>Not given: last-write unless an ETag is sent.</summary>
    Unspecified,
    FirstWrite,
    LastWrite,
}

/// <summary>Dapr's <c>options.consistency</c>.</summary>
internal enum StateConsistency
{
    Unspecified,
    Eventual,
    Strong,
}

/// <summary>Options of a get.</summary>
internal sealed record StateGetOptions(StateConsistency Consistency, IReadOnlyDictionary<string, string> Metadata);

/// <summary>One write.</summary>
/// <param name="Key">The prefixed key.</param>
/// <param name="Value">The JSON bytes of the value, compact.</param>
/// <param name="ETag">The ETag the caller expects, or null.</param>
/// <param name="Concurrency">First-write or last-write.</param>
/// <param name="Consistency">Strong or eventual.</param>
/// <param name="Metadata">Per-item metadata (for example <c>ttlInSeconds</c>).</param>
internal sealed record StateSetRequest(
    string Key,
    ReadOnlyMemory<byte> Value,
    string? ETag,
    StateConcurrency Concurrency,
    StateConsistency Consistency,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>One delete.</summary>
internal sealed record StateDeleteRequest(
    string Key,
    string? ETag,
    StateConcurrency Concurrency,
    StateConsistency Consistency,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>One operation of a transaction: exactly one of <see cref="Set"/> and <see cref="Delete"/> is set.</summary>
internal sealed record StateOperation(StateSetRequest? Set, StateDeleteRequest? Delete)
{
    public static StateOperation Upsert(StateSetRequest request) => new(request, null);

    public static StateOperation Remove(StateDeleteRequest request) => new(null, request);

    public string Key => Set?.Key ?? Delete!.Key;
}
