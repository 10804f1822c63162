using BioDapr.Inventory.Stock;
using Call = BioDapr.Inventory.Tests.Stock.StepScheduler.Call;

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// What every race of the ledger must leave true, whatever the schedule:
/// <list type="bullet">
/// <item>every answer was true when it was given (the order's record at that moment): 201 = held for that attempt, 409
/// = nothing held or being reserved for that attempt, 410 = fenced;</item>
/// <item>one key (order and attempt), one outcome: no key is answered both 201 and 409; a call that starts after
/// another of its key answered gets that answer again (201 replayed, 409 again), or 410 after a release of it;</item>
/// <item>a key answered 409 holds nothing at the end; orders' placements (<see cref="LedgerRace.Place"/>) hold units at
/// the end exactly when placed;</item>
/// <item>after a sweep: no change left under way, no decision left in a stock, every SKU's stock conserved (available
/// + reserved = initial) and every reserved unit held by exactly one order's record.</item>
/// </list>
/// </summary>
internal static class LedgerAudit
{
    public static async Task AuditAsync(LedgerRace race, IReadOnlyDictionary<string, int> initial)
    {
        var calls = race.Scheduler.Calls;
        foreach (var call in calls)
        {
            call.Failure.ShouldBeNull($"{call.Name} failed");
        }

        foreach (var call in calls)
        {
            AnswerWasTrue(call);
        }

        OneOutcomePerKey(calls);

        // Quiet now: a sweep (another replica, no grace) completes and prunes what is left.
        await race.Replica().SweepAsync(TimeSpan.Zero, CancellationToken.None);
        var records = race.Store.Keys("reservation-").Select(key => race.Store.Peek<ReservationRecord>(key)!).ToList();
        records.ShouldAllBe(record => !record.IsPending, "no change is left under way");
        foreach (var (sku, units) in initial)
        {
            var stock = race.Store.Peek<StockLevel>("stock-" + sku) ?? new StockLevel(sku, units, 0);
            (stock.Decisions?.Count ?? 0).ShouldBe(0, $"{sku}: the sweep removed every settled decision");
            (stock.Available + stock.Reserved).ShouldBe(units, $"{sku}: stock is conserved ({stock})");
            stock.Reserved.ShouldBe(records.Where(r => r.Sku == sku && r.State == ReservationRecord.Held).Sum(r => r.Quantity), $"{sku}: every reserved unit is held by one order's record");
        }

        var final = race.Records();
        foreach (var call in calls)
        {
            switch (call.Result)
            {
                case LedgerRace.Reserved { Answer.Outcome: ReservationOutcome.OutOfStock } refused:
                    HoldsFor(final[refused.OrderId], refused.Attempt).ShouldBeFalse($"{call.Name} was answered 409: at the end order {refused.OrderId} holds {final[refused.OrderId]}");
                    break;
                case LedgerRace.Placed placed:
                    HoldsFor(final[placed.OrderId], placed.Attempt).ShouldBe(placed.Placement == LedgerRace.Placement.Placed, $"{call.Name}: the order was {placed.Placement} (inventory answered {placed.Reservation}); at the end it holds {final[placed.OrderId]}");
                    break;
            }
        }
    }

    private static bool HoldsFor(ReservationRecord? record, int attempt) =>
        record is { State: ReservationRecord.Held or ReservationRecord.Reserving or ReservationRecord.Releasing } && record.Attempt == attempt;

    private static void AnswerWasTrue(Call call)
    {
        var at = (Dictionary<string, ReservationRecord?>)call.AtEnd!;
        switch (call.Result)
        {
            case LedgerRace.Reserved reserved:
                ReservationWasTrue(call.Name, reserved.Answer.Outcome, reserved.Answer.Reservation, reserved.OrderId, reserved.Attempt, reserved.Sku, reserved.Quantity, at[reserved.OrderId]);
                break;
            case LedgerRace.Placed placed:
                ReservationWasTrue(call.Name, placed.Reservation, null, placed.OrderId, placed.Attempt, placed.Sku, placed.Quantity, at[placed.OrderId], placed.Placement);
                break;
            case LedgerRace.Released released:
                var record = at[released.OrderId];
                released.Answer.Outcome.ShouldBeOneOf([ReservationOutcome.Done, ReservationOutcome.Replayed], call.Name);
                if (record is not null)
                {
                    (record.Attempt > released.Attempt || (record.Attempt == released.Attempt && record.State == ReservationRecord.Released))
                        .ShouldBeTrue($"{call.Name} answered released, but then the order's record was {record}");
                }

                break;
        }
    }

    private static void ReservationWasTrue(string name, ReservationOutcome outcome, ReservationRecord? answered, string orderId, int attempt, string sku, int quantity, ReservationRecord? record, LedgerRace.Placement? placement = null)
    {
        var then = $"{name} answered {outcome}; then the order's record was {record?.ToString() ?? "none"}";
        switch (outcome)
        {
            case ReservationOutcome.Done or ReservationOutcome.Replayed:
                record.ShouldNotBeNull(then);
                (record.State, record.Attempt, record.Sku, record.Quantity).ShouldBe((ReservationRecord.Held, attempt, sku, quantity), then);
                if (answered is not null)
                {
                    (answered.State, answered.Attempt, answered.Quantity).ShouldBe((record.State, record.Attempt, record.Quantity), then);
                }

                break;
            case ReservationOutcome.OutOfStock:
                HoldsFor(record, attempt).ShouldBeFalse(then);
                break;
            case ReservationOutcome.Released:
                record.ShouldNotBeNull(then);
                if (placement is null)
                {
                    // A placement releases its attempt after a 410 itself; the fence is what its own release left.
                    (record.Attempt > attempt || (record.Attempt == attempt && record.State == ReservationRecord.Released)).ShouldBeTrue(then);
                }

                break;
            default:
                throw new ShouldAssertException($"{then}: no answer but 201, 409 or 410 is expected in these races");
        }
    }

    // Answers of one key agree, and a call that started after another of its key answered gets that answer again.
    private static void OneOutcomePerKey(IReadOnlyList<Call> calls)
    {
        var reservations = calls
            .Select(call => (Call: call, Key: Key(call.Result), Outcome: Outcome(call.Result)))
            .Where(x => x.Key is not null)
            .ToList();
        foreach (var key in reservations.GroupBy(x => x.Key))
        {
            var outcomes = key.Select(x => Class(x.Outcome)).ToHashSet();
            (outcomes.Contains("201") && outcomes.Contains("409")).ShouldBeFalse($"key {key.Key} answered both 201 and 409: {string.Join(", ", key.Select(x => $"{x.Call.Name} {x.Outcome}"))}");

            var orderId = key.Key!.Split('/')[0];
            var attempt = int.Parse(key.Key.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);
            var releases = calls.Where(c => c.Result is LedgerRace.Released r && r.OrderId == orderId && r.Attempt >= attempt).ToList();
            foreach (var (first, later) in key.SelectMany(a => key.Select(b => (a, b))).Where(p => p.a.Call.EndedAt < p.b.Call.StartedAt))
            {
                if (releases.Any(r => r.EndedAt < later.Call.StartedAt))
                {
                    later.Outcome.ShouldBe(ReservationOutcome.Released, $"{later.Call.Name} started after the release of {key.Key} answered");
                }
                else if (releases.Count == 0 && first.Outcome is not ReservationOutcome.Released)
                {
                    later.Outcome.ShouldBe(first.Outcome is ReservationOutcome.Done ? ReservationOutcome.Replayed : first.Outcome, $"{later.Call.Name} started after {first.Call.Name} answered {first.Outcome} for {key.Key}");
                }
            }
        }
    }

    private static string? Key(object? result) => result switch
    {
        LedgerRace.Reserved r => $"{r.OrderId}/{r.Attempt}",
        LedgerRace.Placed p => $"{p.OrderId}/{p.Attempt}",
        _ => null,
    };

    private static ReservationOutcome Outcome(object? result) => result switch
    {
        LedgerRace.Reserved r => r.Answer.Outcome,
        LedgerRace.Placed p => p.Reservation,
        _ => default,
    };

    private static string Class(ReservationOutcome outcome) => outcome switch
    {
        ReservationOutcome.Done or ReservationOutcome.Replayed => "201",
        ReservationOutcome.OutOfStock => "409",
        _ => outcome.ToString(),
    };
}
