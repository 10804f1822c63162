using BioDapr.Cell.State;
using BioDapr.Contracts;
using Microsoft.Extensions.Options;
using Dapr.Client;
using BioDapr.Inventory.Catalogue;

namespace BioDapr.Inventory.Stock;

/// <summary>
/// Stock and reservations in the state store, correct with several inventory replicas writing the same store.
/// A Redis state transaction (daprd's <c>state.redis</c> as much as the development sidecar's) is MULTI/EXEC without
/// rollback: when one of its ETag checks fails the other writes stay applied, so the ledger never relies on a
/// transaction of two keys. Every write is of one key, guarded by its ETag (first-write for new keys):
/// <list type="number">
/// <item>the order's record announces the change (<see cref="ReservationRecord.Reserving"/> or
/// <see cref="ReservationRecord.Releasing"/>, with a new change id);</item>
/// <item>the SKU's stock decides it: units moved (or not, when too few are left) and the decision recorded under the
/// change id, in one write, so the change is applied at most once whoever decides it;</item>
/// <item>the order's record is settled from the decision (held, released, or back to what it was).</item>
/// </list>
/// Whoever finds a record with a change under way (a retry, a release, another replica, the sweep of
/// <see cref="SweepAsync"/>) completes that change first, by the same steps: a replica killed between them leaves
/// nothing half done. A decision is removed from the stock once its record is settled (by the next write of that stock
/// in this process, or by the sweep). Changes that touch the same SKU or the same order still queue in this process
/// (a lock per order, then a lock per SKU) so a replica does not conflict with itself; between replicas the ETags do
/// it, and a conflicting write is read again and retried. Once a change has started it runs to its end even when its
/// caller gives up (a timed-out request).
/// </summary>
public sealed partial class StockLedger(DaprClient sidecar, ProductCatalogue catalogue, TimeProvider time, IOptions<RecyclingOptions> recycling, ILogger<StockLedger> logger) : IStockSweep
{
    private readonly KeyedLock _orders = new();
    private readonly KeyedLock _skus = new();

    // Changes settled by this process whose decisions are still in their SKU's stock: removed at its next write here.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentDictionary<string, byte>> _settled = new(StringComparer.Ordinal);

    /// <summary>The state store.</summary>
    public const string StateStore = "statestore";

    /// <summary>The attempt a release without an attempt fences: every attempt of the order (a cancelled order).</summary>
    public const int EveryAttempt = int.MaxValue;

    private const int MaxTries = 40;

    // 1 once a change ended with a failure since the sweeper last asked (it may be left under way).
    private int _interrupted;

    /// <inheritdoc />
    public bool TakeInterrupted() => Interlocked.Exchange(ref _interrupted, 0) == 1;

    /// <summary>The stock of <paramref name="sku"/>; null when it is not in the catalogue.</summary>
    public async Task<StockLevel?> GetStockAsync(string sku, CancellationToken cancellationToken) =>
        !catalogue.TryGet(sku, out var initial) ? null
        : await sidecar.GetStateAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken) ?? new StockLevel(sku, initial, 0);

    /// <summary>The reservation record of <paramref name="orderId"/>, or null.</summary>
    public Task<ReservationRecord?> GetReservationAsync(string orderId, CancellationToken cancellationToken) =>
        sidecar.GetStateAsync<ReservationRecord?>(StateStore, ReservationKey(orderId), cancellationToken: cancellationToken);

    /// <summary>Writes the catalogue's stock for every SKU not stored yet (first-write: stored stock is never overwritten).</summary>
    public async Task<int> SeedAsync(CancellationToken cancellationToken)
    {
        var keys = catalogue.Products.Keys.Select(StockKey).ToList();
        var stored = await sidecar.GetBulkStateAsync(StateStore, keys, parallelism: null, cancellationToken: cancellationToken);
        var missing = stored.Where(item => string.IsNullOrEmpty(item.Value)).Select(item => item.Key[StockKeyPrefix.Length..]).ToList();
        var seeded = 0;
        foreach (var sku in missing)
        {
            // Another replica (or a reservation) may have written it first.
            using (await _skus.AcquireAsync(sku, cancellationToken))
            {
                if (await sidecar.TrySaveFirstAsync(StateStore, StockKey(sku), new StockLevel(sku, catalogue.Products[sku], 0), cancellationToken))
                {
                    seeded++;
                }
            }
        }

        return seeded;
    }

    /// <summary>
    /// Reserves <paramref name="quantity"/> of <paramref name="sku"/> for attempt <paramref name="attempt"/> of
    /// <paramref name="orderId"/>, once: a repeat returns the first reservation (<see cref="ReservationOutcome.Replayed"/>).
    /// Units an earlier attempt of the same order still holds are taken over instead of reserved twice.
    /// </summary>
    public Task<(ReservationOutcome Outcome, ReservationRecord? Reservation, StockLevel? Stock)> ReserveAsync(
        string orderId, int attempt, string sku, int quantity, CancellationToken cancellationToken) =>
        NotingFailureAsync(ReserveCoreAsync(orderId, attempt, sku, quantity, cancellationToken));

    private async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation, StockLevel? Stock)> ReserveCoreAsync(
        string orderId, int attempt, string sku, int quantity, CancellationToken cancellationToken)
    {
        // The warm-up SKU is reserved only by warm-up placements, and they reserve nothing else.
        if (Products.IsWarmupSku(sku) != Products.IsWarmupOrder(orderId) || !catalogue.TryGet(sku, out _))
        {
            return (ReservationOutcome.UnknownSku, null, null);
        }

        using (await _orders.AcquireAsync(orderId, cancellationToken))
        {
            // Once the order's lock is held the change runs to its end (the store would finish a write anyway).
            var none = CancellationToken.None;
            for (var tries = 1; tries <= MaxTries; tries++)
            {
                var existing = await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(orderId), cancellationToken: none);
                if (existing?.Value is { IsPending: true } pending)
                {
                    await CompleteAsync(pending, none);
                    continue;
                }

                if (existing?.Value is { } record)
                {
                    if (record.Attempt > attempt || (record.Attempt == attempt && record.State == ReservationRecord.Released))
                    {
                        return (ReservationOutcome.Released, record, null);
                    }

                    if (record.Attempt == attempt && record.State == ReservationRecord.Refused)
                    {
                        // This attempt's first outcome: out of stock (units that came back since go to other orders, or
                        // to a new attempt of this one).
                        return record.Sku != sku || record.Quantity != quantity
                            ? (ReservationOutcome.Mismatch, record, null)
                            : (ReservationOutcome.OutOfStock, record, null);
                    }

                    if (record.State == ReservationRecord.Held)
                    {
                        if (record.Sku != sku || record.Quantity != quantity)
                        {
                            return (ReservationOutcome.Mismatch, record, null);
                        }

                        if (record.Attempt == attempt)
                        {
                            return (ReservationOutcome.Replayed, record, null);
                        }

                        // An earlier attempt's units are still held for this order: this attempt takes them over.
                        var adopted = record with { Attempt = attempt, ChangedAt = time.GetUtcNow() };
                        if (await sidecar.TrySaveStateAsync(StateStore, ReservationKey(orderId), adopted, existing.ETag, Retention, none))
                        {
                            return (ReservationOutcome.Done, adopted, null);
                        }

                        Log.Conflict(logger, orderId, tries);
                        continue;
                    }
                }

                // Announce the change on the order's record, then let the stock decide it.
                var reserving = new ReservationRecord(orderId, sku, quantity, attempt, ReservationRecord.Reserving, time.GetUtcNow(),
                    new PendingChange(Guid.NewGuid().ToString("N")));
                if (!await TrySaveAsync(ReservationKey(orderId), reserving, existing.ETagOrNull(), none))
                {
                    Log.Conflict(logger, orderId, tries);
                    continue;
                }

                var (decided, settled, stock, elsewhere) = await CompleteAsync(reserving, none);
                if (elsewhere)
                {
                    // Settled by someone else (a retry of this attempt on another replica, a release, the sweep), who may
                    // have gone on since: announced this attempt's next change, or released it. The decision found here
                    // is no longer the whole story; the record is (read again, and answered from).
                    continue;
                }

                return decided switch
                {
                    true => (ReservationOutcome.Done, settled, stock),
                    false => (ReservationOutcome.OutOfStock, settled, stock),
                    // Too contended to decide now: the record stays announced; the next call (or the sweep) completes it.
                    null => (ReservationOutcome.Contended, null, null),
                };
            }

            return (ReservationOutcome.Contended, null, null);
        }
    }

    /// <summary>
    /// Gives back what attempt <paramref name="attempt"/> (or, with <see cref="EveryAttempt"/>, any attempt) of
    /// <paramref name="orderId"/> holds, once, and fences that attempt: its reservation, if still on its way,
    /// is refused when it arrives. Units a later attempt took over stay held.
    /// </summary>
    public Task<(ReservationOutcome Outcome, ReservationRecord? Reservation)> ReleaseAsync(string orderId, int attempt, CancellationToken cancellationToken) =>
        NotingFailureAsync(ReleaseCoreAsync(orderId, attempt, cancellationToken));

    private async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation)> ReleaseCoreAsync(string orderId, int attempt, CancellationToken cancellationToken)
    {
        using (await _orders.AcquireAsync(orderId, cancellationToken))
        {
            var released = await ReleaseUnderLockAsync(orderId, attempt);
            if (Products.IsWarmupOrder(orderId) && released.Reservation is { State: ReservationRecord.Released })
            {
                // A warm-up placement's release leaves nothing behind: its units are back (above) and its record is
                // deleted instead of kept as a fence (a warm-up placement waits for its reservation's answer before it
                // releases, and no one retries it). Its decision in the stock is pruned as any settled one.
                await sidecar.DeleteStateAsync(StateStore, ReservationKey(orderId), cancellationToken: CancellationToken.None);
            }

            return released;
        }
    }

    // A change that ends with a failure (the sidecar or the store away) may be left under way: the sweeper is told, so it
    // completes it as soon as the store answers again instead of at its next regular sweep.
    private async Task<T> NotingFailureAsync<T>(Task<T> change)
    {
        try
        {
            return await change;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Interlocked.Exchange(ref _interrupted, 1);
            throw;
        }
    }

    // Under the order's lock.
    private async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation)> ReleaseUnderLockAsync(string orderId, int attempt)
    {
        var none = CancellationToken.None;
        for (var tries = 1; tries <= MaxTries; tries++)
        {
            var existing = await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(orderId), cancellationToken: none);
            var now = time.GetUtcNow();
            if (existing?.Value is not { } record)
            {
                var fence = new ReservationRecord(orderId, null, 0, attempt, ReservationRecord.Released, now);
                if (Products.IsWarmupOrder(orderId))
                {
                    // Nothing held by a warm-up placement: nothing to give back, and no fence written.
                    return (ReservationOutcome.Done, fence);
                }

                if (await TrySaveAsync(ReservationKey(orderId), fence, null, none))
                {
                    return (ReservationOutcome.Done, fence);
                }

                continue;
            }

            if (record.IsPending)
            {
                await CompleteAsync(record, none);
                continue;
            }

            if (record.Attempt > attempt || (record.State == ReservationRecord.Released && record.Attempt == attempt))
            {
                return (ReservationOutcome.Replayed, record);
            }

            if (record.State is ReservationRecord.Released or ReservationRecord.Refused)
            {
                // Nothing held: the release only fences the attempt (a refused one becomes released).
                var raised = record with { Attempt = attempt, State = ReservationRecord.Released, ChangedAt = now };
                if (await sidecar.TrySaveStateAsync(StateStore, ReservationKey(orderId), raised, existing.ETag, Retention, none))
                {
                    return (ReservationOutcome.Replayed, raised);
                }

                continue;
            }

            var releasing = record with
            {
                Attempt = attempt,
                State = ReservationRecord.Releasing,
                ChangedAt = now,
                Change = new PendingChange(Guid.NewGuid().ToString("N")),
            };
            if (!await sidecar.TrySaveStateAsync(StateStore, ReservationKey(orderId), releasing, existing.ETag, Retention, none))
            {
                Log.Conflict(logger, orderId, tries);
                continue;
            }

            var (decided, settled, _, elsewhere) = await CompleteAsync(releasing, none);
            if (elsewhere)
            {
                continue;
            }

            if (decided is null)
            {
                return (ReservationOutcome.Contended, null);
            }

            Log.Released(logger, orderId, record.Quantity, record.Sku!);
            return (ReservationOutcome.Done, settled);
        }

        return (ReservationOutcome.Contended, null);
    }

    /// <summary>
    /// Completes what earlier changes left under way: for every catalogue SKU and the warm-up SKU, a decision older than
    /// <paramref name="olderThan"/> whose order's record still announces that change is completed (the record settled);
    /// decisions whose record is settled are removed from the stock. Returns how many changes were completed.
    /// A change announced on an order's record that no stock decided yet has moved nothing; it is completed by the next
    /// call for that order.
    /// </summary>
    public async Task<int> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var completed = 0;
        // The warm-up SKU is in no catalogue file, and after orders' warm-up nothing writes its stock again: only the
        // sweep removes the decisions its warm-up placements leave there (a new process does not know them as settled).
        foreach (var sku in catalogue.Products.Keys.Append(Products.WarmupSku).Distinct(StringComparer.Ordinal))
        {
            var stock = await sidecar.GetStateAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken);
            if (stock?.Decisions is not { Count: > 0 } decisions)
            {
                continue;
            }

            var now = time.GetUtcNow();
            foreach (var (id, decision) in decisions.Where(d => now - d.Value.At >= olderThan))
            {
                using (await _orders.AcquireAsync(decision.OrderId, cancellationToken))
                {
                    var record = await sidecar.GetStateAsync<ReservationRecord>(StateStore, ReservationKey(decision.OrderId), cancellationToken: CancellationToken.None);
                    if (record?.Change?.Id == id)
                    {
                        await CompleteAsync(record, CancellationToken.None);
                        completed++;
                    }
                    else
                    {
                        // Settled (or expired): nobody will look for this decision again.
                        Settled(sku, id);
                    }
                }
            }

            await PruneAsync(sku, cancellationToken);
        }

        return completed;
    }

    // Steps 2 and 3 for a record that announces a change (under the order's lock): the stock's decision (made here, or
    // found), then the record settled from it (held or refused, or released). Returns the decision (null: too contended
    // to decide), the settled record and the stock as decided; Elsewhere when the record no longer announced the change
    // or was written meanwhile (someone else settled it, and may have changed it again since): the decision is then no
    // answer, and the caller reads the record again.
    private async Task<(bool? Applied, ReservationRecord? Settled, StockLevel? Stock, bool Elsewhere)> CompleteAsync(ReservationRecord pending, CancellationToken cancellationToken)
    {
        var change = pending.Change!;
        var sku = pending.Sku!;
        var (applied, stock, elsewhere) = await DecideAsync(pending, cancellationToken);
        if (elsewhere)
        {
            return (null, null, stock, true);
        }

        if (applied is null)
        {
            return (null, null, null, false);
        }

        // A reservation the stock refused stays refused for its attempt: a retry of the attempt (the same idempotency key)
        // gets the same answer, so one attempt is never answered both 409 and 201 (a 409 trusted by orders while a
        // duplicate of the call, still on its way, reserves once units came back).
        var settled = pending with
        {
            State = pending.State == ReservationRecord.Reserving ? applied.Value ? ReservationRecord.Held : ReservationRecord.Refused : ReservationRecord.Released,
            Change = null,
        };
        var current = await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(pending.OrderId), cancellationToken: cancellationToken);
        if (current?.Value?.Change?.Id != change.Id)
        {
            // Someone else settled it from the same decision.
            Settled(sku, change.Id);
            return (applied, current?.Value, stock, true);
        }

        if (!await sidecar.TrySaveStateAsync(StateStore, ReservationKey(pending.OrderId), settled, current.ETag, Retention, cancellationToken))
        {
            // Another replica settled it meanwhile, from the same decision (and may have changed it since).
            Settled(sku, change.Id);
            return (applied, null, stock, true);
        }

        Settled(sku, change.Id);
        return (applied, settled, stock, false);
    }

    // Step 2: the stock's decision on the change, recorded in the same write as the units it moves (under the SKU's lock).
    // Elsewhere: the record no longer announces the change (settled by someone else); nothing decided here.
    private async Task<(bool? Applied, StockLevel? Stock, bool Elsewhere)> DecideAsync(ReservationRecord pending, CancellationToken cancellationToken)
    {
        var id = pending.Change!.Id;
        var sku = pending.Sku!;
        using (await _skus.AcquireAsync(sku, cancellationToken))
        {
            for (var tries = 1; tries <= MaxTries; tries++)
            {
                var entry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken);
                var stock = entry?.Value ?? new StockLevel(sku, catalogue.TryGet(sku, out var initial) ? initial : 0, 0);
                if (stock.Decisions?.GetValueOrDefault(id) is { } known)
                {
                    return (known.Applied, stock, false);
                }

                // Not decided in the stock as read: decide only if the order's record, read after the stock, still announces
                // the change. A decision is removed only once its record is settled, and a settled record never announces
                // that change again; so if it still does, the change was not decided before that stock read, and a decision
                // made since would have changed the stock's ETag and fails this write. A caller holding an older read of
                // the record would otherwise apply a change twice (its decision removed meanwhile).
                var record = await sidecar.GetStateAsync<ReservationRecord>(StateStore, ReservationKey(pending.OrderId), cancellationToken: cancellationToken);
                if (record?.Change?.Id != id)
                {
                    return (null, stock, true);
                }

                var reserving = pending.State == ReservationRecord.Reserving;
                var applied = !reserving || stock.Available >= pending.Quantity;
                var moved = !applied ? stock
                    : reserving ? stock with { Available = stock.Available - pending.Quantity, Reserved = stock.Reserved + pending.Quantity }
                    : stock with { Available = stock.Available + pending.Quantity, Reserved = Math.Max(0, stock.Reserved - pending.Quantity) };
                var decisions = WithoutSettled(sku, stock.Decisions);
                decisions[id] = new StockDecision(pending.OrderId, applied, time.GetUtcNow());
                var updated = moved with { Decisions = decisions };
                if (await TrySaveAsync(StockKey(sku), updated, entry.ETagOrNull(), cancellationToken, forever: true))
                {
                    return (applied, updated, false);
                }

                Log.Conflict(logger, sku, tries);
            }

            return (null, null, false);
        }
    }

    // Removes from a SKU's stock the decisions of changes settled since (one write, only when there are some).
    private async Task PruneAsync(string sku, CancellationToken cancellationToken)
    {
        using (await _skus.AcquireAsync(sku, cancellationToken))
        {
            for (var tries = 1; tries <= MaxTries; tries++)
            {
                var entry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken);
                if (entry?.Value is not { Decisions: { Count: > 0 } decisions } stock)
                {
                    return;
                }

                var kept = WithoutSettled(sku, decisions);
                if (kept.Count == decisions.Count)
                {
                    return;
                }

                if (await sidecar.TrySaveStateAsync(StateStore, StockKey(sku), stock with { Decisions = kept.Count == 0 ? null : kept }, entry.ETag, StateRetention.Forever, cancellationToken))
                {
                    return;
                }
            }
        }
    }

    private void Settled(string sku, string id) =>
        _settled.GetOrAdd(sku, _ => new(StringComparer.Ordinal))[id] = 0;

    // The decisions still needed: those of changes not known here to be settled. The ones dropped are forgotten here
    // only once the write that drops them succeeded, which a caller cannot tell; keeping them known is harmless (ids are
    // never reused), so they stay until the process ends, bounded below.
    private Dictionary<string, StockDecision> WithoutSettled(string sku, IReadOnlyDictionary<string, StockDecision>? decisions)
    {
        var kept = new Dictionary<string, StockDecision>(StringComparer.Ordinal);
        if (decisions is null)
        {
            return kept;
        }

        _settled.TryGetValue(sku, out var settled);
        foreach (var (id, decision) in decisions)
        {
            if (settled is null || !settled.ContainsKey(id))
            {
                kept[id] = decision;
            }
        }

        if (settled is { Count: > 4096 })
        {
            // Forget the ids no longer in the stock: they were dropped by an earlier write.
            foreach (var id in settled.Keys.Where(id => !decisions.ContainsKey(id)).ToList())
            {
                settled.TryRemove(id, out _);
            }
        }

        return kept;
    }

    private const string StockKeyPrefix = "stock-";

    private static string StockKey(string sku) => StockKeyPrefix + sku;

    private static string ReservationKey(string orderId) => "reservation-" + orderId;

    // One key, guarded by its ETag; first-write when it was not stored. Reservation records expire after the
    // retention; the stock never does.
    private async Task<bool> TrySaveAsync<T>(string key, T value, string? etag, CancellationToken cancellationToken, bool forever = false)
    {
        var retention = forever ? StateRetention.Forever : Retention;
        return etag is null
            ? await sidecar.TrySaveFirstAsync(StateStore, key, value, retention, cancellationToken)
            : await sidecar.TrySaveStateAsync(StateStore, key, value, etag, retention, cancellationToken);
    }

    // Recycling: a reservation record (the deduplication of one order's stock) expires Recycling:Retention after its last
    // write; the stock level itself never expires.
    private StateRetention Retention => recycling.Value.Records;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Key} changed meanwhile (try {Try}); trying again")]
        public static partial void Conflict(ILogger logger, string key, int @try);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Released {Quantity} x {Sku} of order {OrderId}")]
        public static partial void Released(ILogger logger, string orderId, int quantity, string sku);
    }
}
