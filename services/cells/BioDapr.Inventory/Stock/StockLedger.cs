using BioDapr.Contracts;
using Dapr;
using BioDapr.Cell.State;
using Microsoft.Extensions.Options;
using Dapr.Client;
using BioDapr.Inventory.Catalogue;

namespace BioDapr.Inventory.Stock;

/// <summary>
/// Stock and reservations in the state store. Every change of a SKU's stock is written in one transaction with
/// the reservation record of the order it is for, guarded by both ETags (first-write for new keys): a repeated
/// or redelivered call finds the record and returns the first outcome, two concurrent calls cannot both win,
/// and stock is conserved (available + reserved = the catalogue's initial stock).
/// Changes that touch the same SKU or the same order are made one at a time in this process (a lock per order, then
/// a lock per SKU, always in that order): a state transaction on Redis (daprd's <c>state.redis</c> as much as the
/// development sidecar's) is MULTI/EXEC without rollback, so when one of its two writes failed its ETag or
/// first-write check, the other stayed applied, and concurrent changes of one SKU or one order left stock changed
/// without its reservation record (found by <c>./biodapr chaos</c>: 1 to 7 units adrift per fault). Under the locks
/// the checks cannot fail between the read and the write (the SKU's lock is held only for the stock's read and the
/// transaction: the order's record is read under the order's lock, which no one else writing it can pass); changes of
/// different SKUs and orders run in parallel (one
/// lock for the whole ledger capped inventory at one change per three sidecar round trips, and orders timed out
/// under the reference load). Once a change has started it runs to its end even when its caller gives up (a
/// timed-out request): the sidecar would finish the write anyway, after the next change read.
/// Several inventory replicas on Redis would need more (compensation of a half-applied transaction); the organism
/// runs one.
/// </summary>
public sealed partial class StockLedger(DaprClient sidecar, ProductCatalogue catalogue, TimeProvider time, IOptions<RecyclingOptions> recycling, ILogger<StockLedger> logger)
{
    private readonly KeyedLock _orders = new();
    private readonly KeyedLock _skus = new();

    /// <summary>The state store.</summary>
    public const string StateStore = "statestore";

    /// <summary>The attempt a release without an attempt fences: every attempt of the order (a cancelled order).</summary>
    public const int EveryAttempt = int.MaxValue;

    private const int MaxTries = 20;

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
    public async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation, StockLevel? Stock)> ReserveAsync(
        string orderId, int attempt, string sku, int quantity, CancellationToken cancellationToken)
    {
        using (await _orders.AcquireAsync(orderId, cancellationToken))
        {
            return await ReserveOnceAsync(orderId, attempt, sku, quantity, cancellationToken);
        }
    }

    // Under the order's lock: the reservation record is read (and, when only it changes, written) without the SKU's
    // lock, which is held only for the stock's read and the transaction; a hot SKU's changes queue for one read and
    // one write each, not three round trips. Waiting for the SKU's lock may be cancelled (nothing is written yet);
    // once it is held, the change runs to its end.
    private async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation, StockLevel? Stock)> ReserveOnceAsync(
        string orderId, int attempt, string sku, int quantity, CancellationToken waitCancellation)
    {
        var cancellationToken = CancellationToken.None;
        // The warm-up SKU is reserved only by warm-up placements, and they reserve nothing else.
        if (Products.IsWarmupSku(sku) != Products.IsWarmupOrder(orderId) || !catalogue.TryGet(sku, out var initial))
        {
            return (ReservationOutcome.UnknownSku, null, null);
        }

        for (var tries = 1; tries <= MaxTries; tries++)
        {
            var existing = await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(orderId), cancellationToken: cancellationToken);
            if (existing?.Value is { } record)
            {
                if (record.Attempt > attempt || (record.Attempt == attempt && record.State == ReservationRecord.Released))
                {
                    return (ReservationOutcome.Released, record, null);
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
                    if (await sidecar.TrySaveStateAsync(StateStore, ReservationKey(orderId), adopted, existing.ETag, Retention, cancellationToken))
                    {
                        return (ReservationOutcome.Done, adopted, null);
                    }

                    Log.Conflict(logger, sku, tries);
                    continue;
                }
            }

            using (await _skus.AcquireAsync(sku, waitCancellation))
            {
                var stockEntry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken);
                var stock = stockEntry?.Value ?? new StockLevel(sku, initial, 0);
                if (stock.Available < quantity)
                {
                    return (ReservationOutcome.OutOfStock, null, stock);
                }

                var updated = stock with { Available = stock.Available - quantity, Reserved = stock.Reserved + quantity };
                var reservation = new ReservationRecord(orderId, sku, quantity, attempt, ReservationRecord.Held, time.GetUtcNow());
                if (await TryWriteAsync(StockKey(sku), updated, stockEntry.ETagOrNull(), ReservationKey(orderId), reservation, existing.ETagOrNull(), cancellationToken))
                {
                    return (ReservationOutcome.Done, reservation, updated);
                }
            }

            Log.Conflict(logger, sku, tries);
        }

        return (ReservationOutcome.Contended, null, null);
    }

    /// <summary>
    /// Gives back what attempt <paramref name="attempt"/> (or, with <see cref="EveryAttempt"/>, any attempt) of
    /// <paramref name="orderId"/> holds, once, and fences that attempt: its reservation, if still on its way,
    /// is refused when it arrives. Units a later attempt took over stay held.
    /// </summary>
    public async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation)> ReleaseAsync(string orderId, int attempt, CancellationToken cancellationToken)
    {
        using (await _orders.AcquireAsync(orderId, cancellationToken))
        {
            // The order's record names the SKU whose stock a release gives back; it cannot change while the order's
            // lock is held (only the ledger writes it; an expiry leaves no units to give back).
            // It is read once, here: the first try under the SKU's lock uses this read (nothing else writes it meanwhile).
            var held = await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(orderId), cancellationToken: cancellationToken);
            if (held?.Value?.Sku is not { } sku)
            {
                return await ReleaseOnceAsync(orderId, attempt, held, CancellationToken.None);
            }

            using (await _skus.AcquireAsync(sku, cancellationToken))
            {
                return await ReleaseOnceAsync(orderId, attempt, held, CancellationToken.None);
            }
        }
    }

    private async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation)> ReleaseOnceAsync(string orderId, int attempt, StateEntry<ReservationRecord>? known, CancellationToken cancellationToken)
    {
        if (Products.IsWarmupOrder(orderId))
        {
            return await ForgetWarmupAsync(orderId, attempt, known, cancellationToken);
        }

        for (var tries = 1; tries <= MaxTries; tries++)
        {
            var existing = tries == 1 && known is not null
                ? known
                : await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(orderId), cancellationToken: cancellationToken);
            var now = time.GetUtcNow();
            if (existing?.Value is not { } record)
            {
                var fence = new ReservationRecord(orderId, null, 0, attempt, ReservationRecord.Released, now);
                if (await TrySaveFirstAsync(ReservationKey(orderId), fence, cancellationToken))
                {
                    return (ReservationOutcome.Done, fence);
                }

                continue;
            }

            if (record.Attempt > attempt || (record.State == ReservationRecord.Released && record.Attempt == attempt))
            {
                return (ReservationOutcome.Replayed, record);
            }

            if (record.State == ReservationRecord.Released)
            {
                var raised = record with { Attempt = attempt, ChangedAt = now };
                if (await sidecar.TrySaveStateAsync(StateStore, ReservationKey(orderId), raised, existing.ETag, Retention, cancellationToken))
                {
                    return (ReservationOutcome.Replayed, raised);
                }

                continue;
            }

            var sku = record.Sku!;
            var stockEntry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken);
            var stock = stockEntry?.Value ?? new StockLevel(sku, catalogue.TryGet(sku, out var initial) ? initial : 0, record.Quantity);
            var updated = stock with { Available = stock.Available + record.Quantity, Reserved = Math.Max(0, stock.Reserved - record.Quantity) };
            var released = record with { Attempt = attempt, State = ReservationRecord.Released, ChangedAt = now };
            if (await TryWriteAsync(StockKey(sku), updated, stockEntry.ETagOrNull(), ReservationKey(orderId), released, existing.ETagOrNull(), cancellationToken))
            {
                Log.Released(logger, orderId, record.Quantity, sku);
                return (ReservationOutcome.Done, released);
            }

            Log.Conflict(logger, sku, tries);
        }

        return (ReservationOutcome.Contended, null);
    }

    // A warm-up placement's release leaves nothing behind: the unit goes back to the warm-up SKU's stock and the reservation
    // record is deleted in the same transaction (a real order's record stays, Released, to fence a late reservation; a
    // warm-up placement waits for its reservation's answer before it releases, and no one retries it). Nothing held: no
    // fence is written either.
    private async Task<(ReservationOutcome Outcome, ReservationRecord? Reservation)> ForgetWarmupAsync(string orderId, int attempt, StateEntry<ReservationRecord>? known, CancellationToken cancellationToken)
    {
        for (var tries = 1; tries <= MaxTries; tries++)
        {
            var existing = tries == 1 && known is not null
                ? known
                : await sidecar.GetStateEntryAsync<ReservationRecord>(StateStore, ReservationKey(orderId), cancellationToken: cancellationToken);
            var released = new ReservationRecord(orderId, existing?.Value?.Sku, existing?.Value?.Quantity ?? 0, attempt, ReservationRecord.Released, time.GetUtcNow());
            if (existing?.Value is not { } record)
            {
                return (ReservationOutcome.Done, released);
            }

            var deleteRecord = new StateTransactionRequest(ReservationKey(orderId), null, StateOperationType.Delete, existing.ETagOrNull());
            if (record.State != ReservationRecord.Held || record.Sku is not { } sku)
            {
                if (await sidecar.TryExecuteStateTransactionAsync(StateStore, [deleteRecord], cancellationToken))
                {
                    return (ReservationOutcome.Done, released);
                }

                continue;
            }

            var stockEntry = await sidecar.GetStateEntryAsync<StockLevel>(StateStore, StockKey(sku), cancellationToken: cancellationToken);
            var stock = stockEntry?.Value ?? new StockLevel(sku, catalogue.TryGet(sku, out var initial) ? initial : 0, record.Quantity);
            var updated = stock with { Available = stock.Available + record.Quantity, Reserved = Math.Max(0, stock.Reserved - record.Quantity) };
            if (await sidecar.TryExecuteStateTransactionAsync(StateStore, [sidecar.Upsert(StockKey(sku), updated, stockEntry.ETagOrNull()), deleteRecord], cancellationToken))
            {
                return (ReservationOutcome.Done, released);
            }

            Log.Conflict(logger, sku, tries);
        }

        return (ReservationOutcome.Contended, null);
    }

    private const string StockKeyPrefix = "stock-";

    private static string StockKey(string sku) => StockKeyPrefix + sku;

    private static string ReservationKey(string orderId) => "reservation-" + orderId;

    // One transaction: the stock and the reservation record, each guarded by its ETag (first-write when new).
    private Task<bool> TryWriteAsync(string stockKey, StockLevel stock, string? stockETag, string reservationKey, ReservationRecord reservation, string? reservationETag, CancellationToken cancellationToken) =>
        sidecar.TryExecuteStateTransactionAsync(StateStore,
        [
            sidecar.Upsert(stockKey, stock, stockETag),
            sidecar.Upsert(reservationKey, reservation, reservationETag, Retention),
        ], cancellationToken);

    // Only reservations are written through here (the stock's first write is above): they expire after the retention.
    private Task<bool> TrySaveFirstAsync<T>(string key, T value, CancellationToken cancellationToken) =>
        sidecar.TrySaveFirstAsync(StateStore, key, value, Retention, cancellationToken);

    // Recycling: a reservation record (the deduplication of one order's stock) expires Recycling:Retention after its last
    // write; the stock level itself never expires.
    private StateRetention Retention => recycling.Value.Records;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Stock of {Sku} changed meanwhile (try {Try}); trying again")]
        public static partial void Conflict(ILogger logger, string sku, int @try);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Released {Quantity} x {Sku} of order {OrderId}")]
        public static partial void Released(ILogger logger, string orderId, int quantity, string sku);
    }
}
