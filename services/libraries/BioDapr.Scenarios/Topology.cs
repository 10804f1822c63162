namespace BioDapr.Scenarios;

/// <summary>
/// The cells of a scenario and the synchronous calls between them. Clients call the entry APIs
/// (<see cref="Apis"/>); a scenario with a single <c>entry</c> has one API named after its cell.
/// </summary>
public sealed record Topology(string Entry, IReadOnlyDictionary<string, CellModel> Cells)
{
    private readonly IReadOnlyList<EntryApi>? _apis;

    /// <summary>The entry APIs: which cell each one's requests arrive at and its default share of the arrivals.</summary>
    public IReadOnlyList<EntryApi> Apis
    {
        get => _apis ?? [new EntryApi(Entry, Entry, 1)];
        init => _apis = value is { Count: > 0 } ? value : null;
    }

    /// <summary>The cell named <paramref name="name"/>.</summary>
    public CellModel this[string name] => Cells[name];
}

/// <summary>One entry API (e.g. checkout, search): its requests arrive at <paramref name="Cell"/>; <paramref name="Share"/> of the arrivals (normalised over the APIs) unless a phase's mix says otherwise.</summary>
public sealed record EntryApi(string Name, string Cell, double Share);

/// <summary>
/// How one cell serves a request: it takes a worker slot, does its own work (the service time),
/// then makes its downstream calls in order while still holding the slot.
/// </summary>
/// <param name="Slots">Worker slots (requests served at once); more wait in the cell's queue.</param>
/// <param name="ServiceTime">The cell's own work per request.</param>
/// <param name="Calls">Downstream calls made while holding the slot, in order.</param>
/// <param name="Replicas">Identical replicas, each with <paramref name="Slots"/> worker slots and its own queue; a call picks one at random (the load balancer).</param>
public sealed record CellModel(int Slots, Distribution ServiceTime, IReadOnlyList<DownstreamCall> Calls, int Replicas = 1);

/// <summary>A downstream call: <paramref name="Count"/> sequential calls to <paramref name="Target"/>.</summary>
public sealed record DownstreamCall(string Target, int Count);
