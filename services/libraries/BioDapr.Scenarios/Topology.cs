namespace BioDapr.Scenarios;

/// <summary>The cells of a scenario and the synchronous calls between them. <see cref="Entry"/> receives the clients' requests.</summary>
public sealed record Topology(string Entry, IReadOnlyDictionary<string, CellModel> Cells)
{
    /// <summary>The cell named <paramref name="name"/>.</summary>
    public CellModel this[string name] => Cells[name];
}

/// <summary>
/// How one cell serves a request: it takes a worker slot, does its own work (the service time),
/// then makes its downstream calls in order while still holding the slot.
/// </summary>
/// <param name="Slots">Worker slots (requests served at once); more wait in the cell's queue.</param>
/// <param name="ServiceTime">The cell's own work per request.</param>
/// <param name="Calls">Downstream calls made while holding the slot, in order.</param>
public sealed record CellModel(int Slots, Distribution ServiceTime, IReadOnlyList<DownstreamCall> Calls);

/// <summary>A downstream call: <paramref name="Count"/> sequential calls to <paramref name="Target"/>.</summary>
public sealed record DownstreamCall(string Target, int Count);
