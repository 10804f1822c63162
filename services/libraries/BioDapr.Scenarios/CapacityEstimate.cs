namespace BioDapr.Scenarios;

/// <summary>
/// The requests per second the entry can sustain when every cell works at its mean service time:
/// the smallest, over cells, of slots ÷ (the time a request holds a slot there) ÷ (how many times one
/// entry request visits the cell, averaged over the entry APIs by their shares). A cell's slots are
/// its slots per replica × its replicas. Queueing and variance are ignored: it is the utilisation-1 bound.
/// </summary>
public static class CapacityEstimate
{
    /// <summary>The bottleneck capacity at the entry, in requests per second.</summary>
    public static double EntryRps(Topology topology, Func<string, double>? slots = null, Func<string, double>? serviceMeanMs = null, IReadOnlyList<(EntryApi Api, double Share)>? shares = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        slots ??= name => (double)topology[name].Slots * topology[name].Replicas;
        serviceMeanMs ??= name => topology[name].ServiceTime.MeanMs;
        var holding = new Dictionary<string, double>();
        var visits = VisitsPerRequest(topology, shares);
        var capacity = double.PositiveInfinity;
        foreach (var (name, count) in visits)
        {
            var holdMs = HoldingMs(topology, name, serviceMeanMs, holding, depth: 0);
            capacity = Math.Min(capacity, slots(name) / (holdMs / 1000.0) / count);
        }

        return capacity;
    }

    /// <summary>How many times one entry request visits each cell it reaches, averaged over the APIs by <paramref name="shares"/> (default: the topology's shares).</summary>
    public static IReadOnlyDictionary<string, double> VisitsPerRequest(Topology topology, IReadOnlyList<(EntryApi Api, double Share)>? shares = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        shares ??= DefaultShares(topology);
        var visits = new Dictionary<string, double>();
        foreach (var (api, share) in shares)
        {
            Visit(topology, api.Cell, share, visits, []);
        }

        return visits;
    }

    /// <summary>The topology's API shares, normalised to sum to 1.</summary>
    public static IReadOnlyList<(EntryApi Api, double Share)> DefaultShares(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var total = topology.Apis.Sum(a => a.Share);
        return topology.Apis.Select(a => (a, total > 0 ? a.Share / total : 1.0 / topology.Apis.Count)).ToList();
    }

    /// <summary>How long a request holds a slot of <paramref name="cell"/>: its own work plus its downstream calls' response times, at the given means.</summary>
    public static double HoldingMs(Topology topology, string cell, Func<string, double> serviceMeanMs)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(serviceMeanMs);
        return HoldingMs(topology, cell, serviceMeanMs, [], depth: 0);
    }

    private static double HoldingMs(Topology topology, string name, Func<string, double> serviceMeanMs, Dictionary<string, double> memo, int depth)
    {
        if (depth > 32)
        {
            throw new ScenarioFormatException($"the topology has a call cycle through cell '{name}'");
        }

        if (memo.TryGetValue(name, out var known))
        {
            return known;
        }

        var total = serviceMeanMs(name);
        foreach (var call in topology[name].Calls)
        {
            total += call.Count * HoldingMs(topology, call.Target, serviceMeanMs, memo, depth + 1);
        }

        memo[name] = total;
        return total;
    }

    private static void Visit(Topology topology, string name, double count, Dictionary<string, double> visits, List<string> path)
    {
        if (path.Contains(name))
        {
            throw new ScenarioFormatException($"the topology has a call cycle: {string.Join(" -> ", path)} -> {name}");
        }

        visits[name] = visits.GetValueOrDefault(name) + count;
        path.Add(name);
        foreach (var call in topology[name].Calls)
        {
            Visit(topology, call.Target, count * call.Count, visits, path);
        }

        path.RemoveAt(path.Count - 1);
    }
}
