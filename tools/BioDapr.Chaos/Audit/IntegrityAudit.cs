using BioDapr.Chaos.Clients;

namespace BioDapr.Chaos.Audit;

/// <summary>
/// The checks after a fault. Orders are matched to what their clients were answered by (client, Idempotency-Key):
/// every order answered 201 is stored as accepted, reaches confirmed or cancelled, and has exactly one payment
/// decision that agrees with it; nothing is stored as accepted or charged that its client was not told about (or
/// that nobody placed); no key has two orders or two order ids, no order two charges; and the stock of the SKUs
/// ordered adds up (initial = available + reserved, reserved = units held for placed and confirmed orders).
/// </summary>
public static class IntegrityAudit
{
    private const int MaxProblems = 12;

    /// <summary>Accepted orders of this fault still not confirmed or cancelled.</summary>
    public static int CountStuck(IReadOnlyList<DrivenOrder> driven, StoredOrganism stored)
    {
        ArgumentNullException.ThrowIfNull(driven);
        ArgumentNullException.ThrowIfNull(stored);
        return driven.Count(o => o.Accepted && !(stored.Orders.TryGetValue(o.OrderId!, out var order) && order.IsTerminal));
    }

    /// <summary>Units of stock unaccounted for over <paramref name="initialStock"/>'s SKUs (every order of them, not only this fault's).</summary>
    public static int StockDrift(StoredOrganism stored, IReadOnlyDictionary<string, int> initialStock, List<string>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(initialStock);
        var drift = 0;
        foreach (var (sku, initial) in initialStock)
        {
            var (available, reserved) = stored.Stock.TryGetValue(sku, out var stock) ? stock : (initial, 0);
            var held = stored.HeldReservations.Values.Where(r => r.Sku == sku).Sum(r => r.Quantity);
            var holding = stored.Orders.Values.Where(o => o.Sku == sku && o.HoldsStock).Sum(o => o.Quantity);
            var skuDrift = Math.Abs(initial - available - reserved) + Math.Abs(reserved - held) + Math.Abs(held - holding);
            if (skuDrift != 0)
            {
                problems?.Add($"stock of {sku}: initial {initial}, available {available} + reserved {reserved}; held by reservations {held}; by placed/confirmed orders {holding}");
                foreach (var (orderId, reservation) in stored.HeldReservations.Where(r => r.Value.Sku == sku).Take(MaxProblems))
                {
                    if (!stored.Orders.TryGetValue(orderId, out var order) || !order.HoldsStock)
                    {
                        problems?.Add($"  reservation of {orderId} holds {reservation.Quantity} but the order is {order?.Status ?? "not stored"}");
                    }
                }
            }

            drift += skuDrift;
        }

        return drift;
    }

    /// <summary>Audits one fault's orders against the stored data.</summary>
    public static FaultResult Audit(
        string fault,
        string description,
        IReadOnlyList<DrivenOrder> driven,
        StoredOrganism stored,
        IReadOnlyDictionary<string, int> initialStock,
        IReadOnlyCollection<string> forgedOrderIds)
    {
        ArgumentNullException.ThrowIfNull(driven);
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(forgedOrderIds);
        var problems = new List<string>();
        void Problem(string line)
        {
            if (problems.Count < MaxProblems)
            {
                problems.Add(line);
            }
        }

        var byKey = stored.Orders.Values.GroupBy(o => (o.Client, o.IdempotencyKey)).ToDictionary(g => g.Key, g => g.ToList());
        int duplicates = 0, lost = 0, mismatches = 0, hidden = 0, stuck = 0;
        var terminalSeconds = new List<double>();
        foreach (var order in driven)
        {
            var records = byKey.GetValueOrDefault((order.Client, order.Key)) ?? [];
            if (records.Count(r => r.IsAccepted) > 1)
            {
                duplicates += records.Count(r => r.IsAccepted) - 1;
                Problem($"key {order.Key} ({order.Client}) has {records.Count(r => r.IsAccepted)} accepted orders");
            }

            if (order.OrderIdsSeen.Count > 1)
            {
                duplicates += order.OrderIdsSeen.Count - 1;
                Problem($"key {order.Key} ({order.Client}) was answered with order ids {string.Join(", ", order.OrderIdsSeen)}");
            }

            var record = order.OrderId is { } id ? stored.Orders.GetValueOrDefault(id) : records.FirstOrDefault();
            if (order.Accepted)
            {
                if (record is not { IsAccepted: true })
                {
                    lost++;
                    Problem($"order {order.OrderId} (key {order.Key}) was answered 201 but is {record?.Status ?? "not stored"}");
                    continue;
                }

                if (!record.IsTerminal)
                {
                    stuck++;
                    var journal = stored.Journal.Where(j => j.Value.Contains(record.OrderId, StringComparison.Ordinal)).Select(j => $"{j.Key} {j.Value}").ToList();
                    Problem($"order {record.OrderId} is still {record.Status} (record {stored.OrderJson.GetValueOrDefault(record.OrderId)}; journal: {(journal.Count == 0 ? "no slot holds it" : string.Join("; ", journal))})");
                    continue;
                }

                terminalSeconds.Add((record.ChangedAt - record.CreatedAt).TotalSeconds);
                var decided = stored.Decisions.TryGetValue(record.OrderId, out var paymentId);
                if (!decided || record.IsPaid != (paymentId is not null))
                {
                    mismatches++;
                    Problem($"order {record.OrderId} is {record.Status} but its payment is {(decided ? paymentId is null ? "refused" : "captured" : "not decided")}");
                }
            }
            else if (record is { IsAccepted: true } || (record is not null && stored.Decisions.ContainsKey(record.OrderId)))
            {
                hidden++;
                Problem($"order {record.OrderId} (key {order.Key}) is {record.Status}{(stored.Decisions.ContainsKey(record.OrderId) ? " and charged" : string.Empty)} but its client was answered {OrderClient.Format(order.FinalStatus)}{(order.GaveUp ? " (gave up)" : string.Empty)}");
            }

            var orderId = order.OrderId ?? record?.OrderId;
            if (orderId is not null && stored.PublishedPayments.TryGetValue(orderId, out var outcomes) && outcomes.Count > 1)
            {
                duplicates += outcomes.Count - 1;
                Problem($"order {orderId} has {outcomes.Count} different payment outcomes published: {string.Join(", ", outcomes)}");
            }
        }

        foreach (var forged in forgedOrderIds)
        {
            if (stored.Decisions.ContainsKey(forged) || stored.PublishedPayments.ContainsKey(forged))
            {
                hidden++;
                Problem($"order {forged}, forged by the hostile client, was charged");
            }
        }

        var drift = StockDrift(stored, initialStock, problems);
        terminalSeconds.Sort();
        return new FaultResult
        {
            Fault = fault,
            Description = description,
            Sent = driven.Count,
            Accepted = driven.Count(o => o.Accepted),
            Refused = driven.Count(o => o.FinalStatus is >= 400 and < 500),
            Unanswered = driven.Count(o => o.FinalStatus is null),
            Duplicates = duplicates,
            Lost = lost,
            ChargeMismatches = mismatches,
            Hidden = hidden,
            Stuck = stuck,
            StockDrift = drift,
            TerminalP50Seconds = terminalSeconds.Count == 0 ? null : terminalSeconds[terminalSeconds.Count / 2],
            TerminalMaxSeconds = terminalSeconds.Count == 0 ? null : terminalSeconds[^1],
            Problems = problems.Take(MaxProblems).ToList(),
        };
    }
}
