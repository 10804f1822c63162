using System.Net;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Pathways;
using BioDapr.Pathways.Policies;
using BioDapr.Cell.Events;
using BioDapr.Cell.State;
using Dapr;
using Dapr.Client;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using BioDapr.Orders.Apis;
using BioDapr.Orders.Hormones;
using Microsoft.Extensions.Options;

namespace BioDapr.Orders.Placing;

/// <summary>
/// Places orders exactly once over calls that may be repeated. A request claims its order (id = hash of client
/// and Idempotency-Key) with first-write concurrency, in the same transaction as a journal slot; reserves stock
/// with the order id and attempt (inventory deduplicates by them); and places the order with the claim's ETag.
/// A repeat finds the record and gets the first outcome (or waits for the attempt in progress). An attempt that
/// fails, or that its caller gave up on (<see cref="AbortAsync"/>), or that outlived its deadline, is rolled back:
/// marked aborted, its reservation released. Nothing is placed after the caller's deadline, so an error answer
/// never hides an order. The journal lets the sweeper settle what a crash left behind.
/// </summary>
public sealed partial class OrderPlacement(
    DaprClient sidecar,
    CellPathways pathways,
    IHormones<OrderLimits> limits,
    CellRandom random,
    TimeProvider time,
    IOptions<OrdersOptions> options,
    ILogger<OrderPlacement> logger)
{
    /// <summary>The state store of orders.</summary>
    public const string StateStore = "statestore";

    private const int MaxRounds = 40;
    private const int MaxFenced = 16;
    private const int SlotTries = 8;

    /// <summary>Places the order of <paramref name="request"/>, or returns the first outcome of an earlier request with its key.</summary>
    public async Task<PlacementOutcome> PlaceAsync(PlacementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var orderId = request.OrderId;
        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(orderId, cancellationToken);
            var record = entry?.Value;
            if (record is { Fingerprint.Length: > 0 } && record.Fingerprint != request.Fingerprint)
            {
                return PlacementOutcome.Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused", "This Idempotency-Key was used for an order with another body; use a new key for a new order.");
            }

            if (record is not null && record.Fenced.Contains(request.RequestId))
            {
                return PlacementOutcome.Aborted("The caller gave up on this request and it was rolled back: nothing was ordered. Retry with the same Idempotency-Key.");
            }

            switch (record?.Status)
            {
                case null or OrderStatuses.Aborted:
                    if (Refusal(request) is { } refusal)
                    {
                        return refusal;
                    }

                    if (request.DeadlineUnixMs - options.Value.PlacementMargin.TotalMilliseconds <= NowMs)
                    {
                        return PlacementOutcome.Aborted("The request's deadline passed before it could be placed: nothing was ordered.");
                    }

                    var (claim, claimed) = await ClaimAsync(NewAttempt(request, record), entry.ETagOrNull(), cancellationToken);
                    switch (claim)
                    {
                        case true:
                            return await ProcessUntilDeadlineAsync(claimed!);
                        case null:
                            return PlacementOutcome.Problem(StatusCodes.Status503ServiceUnavailable, "Too many orders in flight", "Every journal slot is taken; try again.");
                        default:
                            continue;
                    }

                case OrderStatuses.Pending when record.DeadlineUnixMs + options.Value.SettleGrace.TotalMilliseconds < NowMs:
                    // Its request is gone (crashed or gave up without reaching us): roll it back, then try again.
                    await RollBackAsync(record.OrderId, record.Attempt, fence: null, cancellationToken);
                    continue;

                case OrderStatuses.Pending:
                    if (!await WaitWhilePendingAsync(record, cancellationToken))
                    {
                        return PlacementOutcome.Problem(StatusCodes.Status409Conflict, "In progress", "An earlier request with this Idempotency-Key is still being processed; retry with the same key.");
                    }

                    continue;

                case OrderStatuses.Refused:
                    return PlacementOutcome.Problem(record.ReplyStatus ?? StatusCodes.Status409Conflict, record.ReplyTitle ?? "Refused", record.Detail ?? "The order was refused.", replayed: true);

                default:
                    return PlacementOutcome.Created(Accepted(record), replayed: true);
            }
        }

        return PlacementOutcome.Problem(StatusCodes.Status503ServiceUnavailable, "Contended", "The order changed under every try; retry with the same Idempotency-Key.");
    }

    /// <summary>
    /// The warm-up placement (sent by the cell to itself before it is ready): the placement's own code with no effect. It
    /// claims a journal slot and a new order (id <see cref="Products.WarmupOrderPrefix"/> + random), asks inventory for
    /// the warm-up SKU's stock, reserves one unit, then rolls the attempt back as a failed placement is rolled back (the
    /// order marked aborted, the unit released, the slot freed) and deletes the order record. Nothing is placed or
    /// published; inventory deletes a warm-up order's reservation record on release. True when it ran to the end and left
    /// nothing; false when a step failed (an attempt still pending is left to the sweeper, which rolls it back).
    /// </summary>
    public async Task<bool> WarmUpAsync(CancellationToken cancellationToken)
    {
        var orderId = Products.WarmupOrderPrefix + random.Instance.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + random.Instance.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        var now = time.GetUtcNow();
        var deadline = NowMs + (long)options.Value.DefaultDeadline.TotalMilliseconds;
        var record = new OrderRecord(orderId, WarmupClient, orderId, string.Empty, WarmupClient, Products.WarmupSku, 1, 0m, OrderStatuses.Pending, 1, deadline, Slot: null, [], null, null, null, now, now);
        // Runs to its end even if the warm-up's request gives up (its probe timeout): a half-done warm-up is what leaves state.
        _ = cancellationToken;
        var (claim, claimed) = await ClaimAsync(record, null, CancellationToken.None);
        if (claim != true)
        {
            return false;
        }

        var outcome = await ProcessUntilDeadlineAsync(claimed!, warmUp: true);
        return await ForgetWarmupAsync(orderId) && outcome.RolledBack;
    }

    // Deletes a warm-up order's record once it is settled (aborted or refused) and its journal slot is free (so its unit
    // was released); otherwise the sweeper settles it later and calls this again. True when the record is gone.
    private async Task<bool> ForgetWarmupAsync(string orderId)
    {
        var entry = await ReadAsync(orderId, CancellationToken.None);
        if (entry?.Value is null)
        {
            return true;
        }

        if (entry.Value is { Status: OrderStatuses.Aborted or OrderStatuses.Refused } settled
            && (settled.Slot is not { } slot || (await sidecar.GetStateAsync<JournalEntry>(StateStore, SlotKey(slot), cancellationToken: CancellationToken.None))?.OrderId != orderId))
        {
            return await sidecar.TryDeleteStateAsync(StateStore, OrderKey(orderId), entry.ETag, cancellationToken: CancellationToken.None);
        }

        return false;
    }

    /// <summary>The client of warm-up placements (no client can be it: the gateway names clients by their key's id).</summary>
    public const string WarmupClient = "biodapr-warmup";

    /// <summary>
    /// The caller of <paramref name="requestId"/> gives up: a pending attempt is rolled back and the request is fenced,
    /// so it cannot start another attempt even if it arrives later. An order already settled returns its first outcome
    /// instead (the caller answers with it); otherwise the outcome says nothing was ordered.
    /// </summary>
    public async Task<PlacementOutcome> AbortAsync(string client, string idempotencyKey, string requestId, CancellationToken cancellationToken)
    {
        var orderId = PlacementRequest.OrderIdOf(client, idempotencyKey);
        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(orderId, cancellationToken);
            switch (entry?.Value)
            {
                case null:
                    var now = time.GetUtcNow();
                    var tombstone = new OrderRecord(orderId, client, idempotencyKey, string.Empty, string.Empty, string.Empty, 0, 0, OrderStatuses.Aborted, 0, NowMs, null, [requestId], null, null, "aborted before it arrived", now, now);
                    if (await TryFirstWriteAsync(OrderKey(orderId), tombstone, cancellationToken))
                    {
                        return PlacementOutcome.Aborted("Nothing was ordered.");
                    }

                    continue;

                case { IsAccepted: true } record:
                    return PlacementOutcome.Created(Accepted(record), replayed: true);

                case { Status: OrderStatuses.Refused } record:
                    return PlacementOutcome.Problem(record.ReplyStatus ?? StatusCodes.Status409Conflict, record.ReplyTitle ?? "Refused", record.Detail ?? "The order was refused.", replayed: true);

                case { Status: OrderStatuses.Aborted } record:
                    if (record.Fenced.Contains(requestId)
                        || await sidecar.TrySaveStateAsync(StateStore, OrderKey(orderId), record with { Fenced = Fence(record.Fenced, requestId) }, entry.ETag, Retention, cancellationToken))
                    {
                        return PlacementOutcome.Aborted("Nothing was ordered.");
                    }

                    continue;

                case { Status: OrderStatuses.Pending } record:
                    if (await RollBackAsync(orderId, record.Attempt, requestId, cancellationToken))
                    {
                        Log.Aborted(logger, orderId, record.Attempt);
                    }

                    continue;
            }
        }

        return PlacementOutcome.Problem(StatusCodes.Status503ServiceUnavailable, "Contended", "The order changed under every try.");
    }

    /// <summary>Settles an attempt the journal still holds after its deadline (a crash, or a failed clean-up).</summary>
    public async Task SettleAsync(int slot, JournalEntry journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var record = (await ReadAsync(journal.OrderId, cancellationToken))?.Value;
        switch (record)
        {
            case null:
            case not null when record.Attempt < journal.Attempt || (record.Attempt == journal.Attempt && record.Slot != slot):
                // This attempt never claimed the order (it lost the race, or stopped between its slot and its claim):
                // it reserved nothing, and the attempt number may be another request's: only the slot is freed.
                await FreeSlotAsync(slot, journal.OrderId, journal.Attempt, cancellationToken);
                break;
            case { Status: OrderStatuses.Pending } when record.Attempt == journal.Attempt:
                await RollBackAsync(record.OrderId, record.Attempt, fence: null, cancellationToken);
                break;
            case { Status: OrderStatuses.Placed } when record.Attempt == journal.Attempt:
                // Placed, but maybe never announced: announce again (consumers deduplicate by order and event id).
                await AnnounceAsync(record, cancellationToken);
                await FreeSlotAsync(slot, journal.OrderId, journal.Attempt, cancellationToken);
                break;
            case { IsAccepted: true } or { Status: OrderStatuses.Refused }:
                await FreeSlotAsync(slot, journal.OrderId, journal.Attempt, cancellationToken);
                break;
            default:
                // Aborted, superseded by a later attempt, or gone: give back what this attempt may still hold.
                if (await ReleaseAsync(journal.OrderId, journal.Attempt, cancellationToken))
                {
                    await FreeSlotAsync(slot, journal.OrderId, journal.Attempt, cancellationToken);
                }

                break;
        }

        if (Products.IsWarmupOrder(journal.OrderId))
        {
            // A warm-up placement that did not finish (its inventory not ready yet, or the cell stopped): settled now, forgotten.
            await ForgetWarmupAsync(journal.OrderId);
        }

        Log.Settled(logger, journal.OrderId, journal.Attempt, record?.Status ?? "missing");
    }

    /// <summary>
    /// Applies a payment result to a placed order: placed becomes confirmed or cancelled, once; a final state never
    /// changes (a late or repeated result for another outcome is ignored); the order's event is published again on a
    /// redelivery of the same result. False when the order was never accepted (the event is dropped).
    /// </summary>
    public async Task<bool> ApplyPaymentAsync(string orderId, bool captured, string detail, string eventId, CancellationToken cancellationToken)
    {
        var target = captured ? OrderStatuses.Confirmed : OrderStatuses.Cancelled;
        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(orderId, cancellationToken);
            if (entry?.Value is not { IsAccepted: true } record)
            {
                Log.PaymentForUnknownOrder(logger, eventId, orderId, entry?.Value?.Status ?? "missing");
                return false;
            }

            if (record.Status == OrderStatuses.Placed)
            {
                var settled = record with { Status = target, Detail = detail, ChangedAt = time.GetUtcNow() };
                if (!await sidecar.TrySaveStateAsync(StateStore, OrderKey(orderId), settled, entry.ETag, Retention, cancellationToken))
                {
                    continue;
                }

                record = settled;
            }
            else if (record.Status != target && !(captured && record.Status == OrderStatuses.Shipped))
            {
                Log.FinalStateKept(logger, eventId, orderId, record.Status);
                return true;
            }

            await PublishOutcomeAsync(record, cancellationToken);
            return true;
        }

        throw new InvalidOperationException($"order {orderId} changed under every try");
    }

    /// <summary>
    /// Records a shipment (ShipmentDispatched from the shipping cell): a confirmed order becomes shipped, once; a
    /// redelivery finds it shipped and changes nothing. An order still placed is not confirmed yet (the shipment is
    /// retried later); a cancelled order keeps its final state (logged); an unknown order drops the event.
    /// </summary>
    public async Task<ShipmentOutcome> ApplyShipmentAsync(ShipmentDispatched shipment, string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shipment);
        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(shipment.OrderId, cancellationToken);
            switch (entry?.Value)
            {
                case not { IsAccepted: true }:
                    Log.PaymentForUnknownOrder(logger, eventId, shipment.OrderId, entry?.Value?.Status ?? "missing");
                    return ShipmentOutcome.UnknownOrder;
                case { Status: OrderStatuses.Shipped }:
                    return ShipmentOutcome.Recorded;
                case { Status: OrderStatuses.Placed }:
                    return ShipmentOutcome.NotConfirmedYet;
                case { Status: OrderStatuses.Confirmed } record:
                    var shipped = record with
                    {
                        Status = OrderStatuses.Shipped,
                        Shipment = new OrderShipment(shipment.ShipmentId, shipment.Carrier, shipment.DispatchAt),
                        ChangedAt = time.GetUtcNow(),
                    };
                    if (await sidecar.TrySaveStateAsync(StateStore, OrderKey(shipment.OrderId), shipped, entry.ETag, cancellationToken: cancellationToken))
                    {
                        return ShipmentOutcome.Recorded;
                    }

                    continue;
                case { } final:
                    Log.FinalStateKept(logger, eventId, shipment.OrderId, final.Status);
                    return ShipmentOutcome.Recorded;
            }
        }

        throw new InvalidOperationException($"order {shipment.OrderId} changed under every try");
    }

    /// <summary>The order as its client sees it; null when it does not exist, was never accepted, or belongs to another client.</summary>
    public async Task<OrderRecord?> FindAsync(string orderId, string client, CancellationToken cancellationToken) =>
        (await ReadAsync(orderId, cancellationToken))?.Value is { IsAccepted: true } record && record.Client == client ? record : null;

    internal static string OrderKey(string orderId) => "order-" + orderId;

    internal static string SlotKey(int slot) => "journal-" + slot.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Every write of an order record starts its retention again (recycling: the store expires it afterwards).
    private StateRetention Retention => options.Value.OrderRetention;

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static OrderAccepted Accepted(OrderRecord record) => new(record.OrderId, record.Sku, record.Quantity, record.Total, OrderStatuses.Placed);

    private static IReadOnlyList<string> Fence(IReadOnlyList<string> fenced, string? requestId) =>
        requestId is null || fenced.Contains(requestId) ? fenced : [.. fenced.TakeLast(MaxFenced - 1), requestId];

    private PlacementOutcome? Refusal(PlacementRequest request)
    {
        var current = limits.Current;
        if (!current.AcceptingOrders)
        {
            return PlacementOutcome.Problem(StatusCodes.Status503ServiceUnavailable, "Closed", "The shop is closed (hormone orders.acceptingOrders is false).");
        }

        return request.Order.Quantity > current.MaxQuantity
            ? PlacementOutcome.Problem(StatusCodes.Status400BadRequest, "Too many items", $"At most {current.MaxQuantity} items per order (hormone orders.maxQuantity).")
            : null;
    }

    private OrderRecord NewAttempt(PlacementRequest request, OrderRecord? previous)
    {
        var now = time.GetUtcNow();
        var order = request.Order;
        return new OrderRecord(
            request.OrderId, request.Client, request.IdempotencyKey, request.Fingerprint, order.CustomerId, order.Sku, order.Quantity,
            order.Quantity * limits.Current.UnitPrice, OrderStatuses.Pending, (previous?.Attempt ?? 0) + 1, request.DeadlineUnixMs,
            Slot: null, previous?.Fenced ?? [], null, null, null, previous?.CreatedAt ?? now, now);
    }

    // Claims a free journal slot, then the order, as two single-key writes. Not one transaction: Dapr's Redis store
    // neither rolls back a transaction's other operations when one fails nor honours first-write inside a transaction
    // (it sets no first-write mark there, so a later "first" write overwrites the key). A claim in one transaction
    // could overwrite the journal slot of another attempt, whose order then had no journal entry: placed, never
    // announced, and stuck (found by the chaos command's overload runs, 2026-12-06). The slot is taken by a first-write
    // save of its own (exclusive, since every slot write is one); the order by its ETag, or by a first-write save when
    // it is new. True: claimed (the returned record has its slot); false: the record changed meanwhile (the slot is
    // given back); null: no slot was free.
    private async Task<(bool? Claimed, OrderRecord? Record)> ClaimAsync(OrderRecord record, string? etag, CancellationToken cancellationToken)
    {
        var slots = options.Value.JournalSlots;
        for (var tries = 0; tries < SlotTries; tries++)
        {
            var slot = random.Instance.Next(slots);
            if (!await TryTakeAsync(SlotKey(slot), new JournalEntry(record.OrderId, record.Attempt, record.DeadlineUnixMs), StateRetention.Forever, cancellationToken))
            {
                continue;
            }

            var claimed = record with { Slot = slot };
            var saved = etag is null
                ? await TryTakeAsync(OrderKey(record.OrderId), claimed, Retention, cancellationToken)
                : await sidecar.TrySaveStateAsync(StateStore, OrderKey(record.OrderId), claimed, etag, Retention, cancellationToken);
            if (saved)
            {
                return (true, claimed);
            }

            // Someone else claimed the order first: give the slot back (the sweeper frees it if this fails).
            await FreeSlotAsync(slot, record.OrderId, record.Attempt, CancellationToken.None);
            return (false, null);
        }

        return (null, null);
    }

    // A first-write save of a key that is not stored yet: false when it is stored (TrySaveFirstAsync tells that from a
    // failure, whatever error Dapr's Redis store answers it with). A failure is also taken as "taken" here: a store
    // that is down shows on the next read.
    private async Task<bool> TryTakeAsync<T>(string key, T value, StateRetention retention, CancellationToken cancellationToken)
    {
        try
        {
            return await sidecar.TrySaveFirstAsync(StateStore, key, value, retention, cancellationToken);
        }
        catch (DaprException)
        {
            return false;
        }
    }

    // A claimed attempt runs to its end whatever its caller does (a repeat of the request waits for it), bounded by
    // the caller's deadline; if it fails half-way, it is rolled back.
    private async Task<PlacementOutcome> ProcessUntilDeadlineAsync(OrderRecord record, bool warmUp = false)
    {
        var remaining = TimeSpan.FromMilliseconds(Math.Max(1, record.DeadlineUnixMs - NowMs));
        using var deadline = new CancellationTokenSource(remaining, time);
        try
        {
            return await ProcessAsync(record, warmUp, deadline.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or DaprException or HttpRequestException)
        {
            Log.AttemptFailed(logger, record.OrderId, record.Attempt, ex.GetType().Name, ex.Message);
            try
            {
                await RollBackAsync(record.OrderId, record.Attempt, fence: null, CancellationToken.None);
            }
            catch (Exception rollback) when (rollback is DaprException or HttpRequestException)
            {
                // The journal keeps the attempt; the sweeper rolls it back.
                Log.AttemptFailed(logger, record.OrderId, record.Attempt, rollback.GetType().Name, rollback.Message);
            }

            return PlacementOutcome.Aborted("The order could not be placed and was rolled back: nothing was ordered.");
        }
    }

    private async Task<PlacementOutcome> ProcessAsync(OrderRecord record, bool warmUp, CancellationToken cancellationToken)
    {
        var inventory = pathways["inventory"];
        var check = await inventory.InvokeAsync(HttpMethod.Get, "stock/" + record.Sku, null, cancellationToken);
        using (var stock = check.Value)
        {
            if (stock?.StatusCode == HttpStatusCode.NotFound)
            {
                return await RefuseAsync(record, StatusCodes.Status404NotFound, "Unknown SKU", $"The SKU '{record.Sku}' is not in the catalogue.", cancellationToken);
            }

            if (stock is null || !stock.IsSuccessStatusCode)
            {
                Log.InventoryFailed(logger, record.OrderId, "stock", check.Outcome.ToString());
                return await GiveUpAsync(record, InventoryFailureStatus(check.Outcome), "Inventory unavailable", $"Inventory could not be asked for stock ({check.Outcome}); nothing was ordered.", cancellationToken);
            }

            var level = await stock.Content.ReadFromJsonAsync<StockLevelView>(cancellationToken);
            if (level is not null && level.Available < record.Quantity)
            {
                return await RefuseAsync(record, StatusCodes.Status409Conflict, "Out of stock", $"Not enough stock of {record.Sku}.", cancellationToken);
            }
        }

        var reservation = await inventory.InvokeAsync(
            HttpMethod.Post,
            "reservations",
            new ReserveStock(record.OrderId, record.Sku, record.Quantity, record.Attempt),
            new Dictionary<string, string> { [CellPathway.IdempotencyKeyHeader] = $"{record.OrderId}/{record.Attempt}" },
            cancellationToken);
        using (var reserved = reservation.Value)
        {
            switch (reserved?.StatusCode)
            {
                case HttpStatusCode.Created:
                    break;
                case HttpStatusCode.Conflict:
                    // Final without a release: inventory keeps a 409 as the attempt's only answer (its record stays
                    // refused), so a duplicate of this call still on its way cannot reserve for the attempt afterwards.
                    return await RefuseAsync(record, StatusCodes.Status409Conflict, "Out of stock", $"Not enough stock of {record.Sku}.", cancellationToken);
                case HttpStatusCode.NotFound:
                    return await RefuseAsync(record, StatusCodes.Status404NotFound, "Unknown SKU", $"The SKU '{record.Sku}' is not in the catalogue.", cancellationToken);
                default:
                    Log.InventoryFailed(logger, record.OrderId, "reservation", reserved is null ? reservation.Outcome.ToString() : ((int)reserved.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return await GiveUpAsync(record, InventoryFailureStatus(reservation.Outcome), "Inventory unavailable", $"Inventory could not reserve the stock ({reservation.Outcome}); nothing was ordered.", cancellationToken);
            }
        }

        if (record.DeadlineUnixMs - options.Value.PlacementMargin.TotalMilliseconds <= NowMs)
        {
            return await GiveUpAsync(record, StatusCodes.Status503ServiceUnavailable, "Not placed", "The order could not be placed before the request's deadline; nothing was ordered.", cancellationToken);
        }

        if (warmUp)
        {
            // The warm-up stops here: rolled back as a failed placement is (never placed, never announced).
            await RollBackAsync(record.OrderId, record.Attempt, fence: null, cancellationToken);
            return PlacementOutcome.Aborted("Warm-up placement: rolled back, nothing was ordered.");
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(record.OrderId, cancellationToken);
            if (entry?.Value is not { Status: OrderStatuses.Pending } now || now.Attempt != record.Attempt)
            {
                // Rolled back meanwhile (the caller gave up, or the sweeper): give back what this attempt reserved.
                await ReleaseAsync(record.OrderId, record.Attempt, cancellationToken);
                return PlacementOutcome.Aborted("The caller gave up on this request and it was rolled back: nothing was ordered.");
            }

            var placed = now with { Status = OrderStatuses.Placed, ChangedAt = time.GetUtcNow() };
            if (!await sidecar.TrySaveStateAsync(StateStore, OrderKey(record.OrderId), placed, entry.ETag, Retention, cancellationToken))
            {
                continue;
            }

            Log.Placed(logger, record.OrderId, record.Sku, record.Quantity);
            try
            {
                await AnnounceAsync(placed, cancellationToken);
                await FreeSlotAsync(record.Slot!.Value, record.OrderId, record.Attempt, cancellationToken);
            }
            catch (Exception ex) when (ex is DaprException or HttpRequestException)
            {
                // The order stands; the journal keeps it until the sweeper announces it.
                Log.AnnounceDeferred(logger, record.OrderId, ex.Message);
            }

            return PlacementOutcome.Created(Accepted(placed), replayed: false);
        }

        return PlacementOutcome.Problem(StatusCodes.Status503ServiceUnavailable, "Contended", "The order changed under every try; retry with the same Idempotency-Key.");
    }

    // A refusal a retry would meet again: recorded as the order's final outcome (nothing was reserved).
    private async Task<PlacementOutcome> RefuseAsync(OrderRecord record, int status, string title, string detail, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(record.OrderId, cancellationToken);
            if (entry?.Value is not { Status: OrderStatuses.Pending } now || now.Attempt != record.Attempt)
            {
                return PlacementOutcome.Aborted("The caller gave up on this request and it was rolled back: nothing was ordered.");
            }

            var refused = now with { Status = OrderStatuses.Refused, ReplyStatus = status, ReplyTitle = title, Detail = detail, ChangedAt = time.GetUtcNow() };
            if (await sidecar.TrySaveStateAsync(StateStore, OrderKey(record.OrderId), refused, entry.ETag, Retention, cancellationToken))
            {
                await FreeSlotAsync(record.Slot!.Value, record.OrderId, record.Attempt, cancellationToken);
                return PlacementOutcome.Problem(status, title, detail);
            }
        }

        return PlacementOutcome.Problem(status, title, detail);
    }

    // This attempt cannot complete: roll it back, so the error answer hides nothing.
    private async Task<PlacementOutcome> GiveUpAsync(OrderRecord record, int status, string title, string detail, CancellationToken cancellationToken)
    {
        await RollBackAsync(record.OrderId, record.Attempt, fence: null, cancellationToken);
        return PlacementOutcome.Problem(status, title, detail);
    }

    // Inventory too loaded to answer in time (timed out, shed, or its breaker open) is 503 with Retry-After: unavailable
    // for now, come back later. Inventory answering an error is 502.
    private static int InventoryFailureStatus(PathwayOutcome outcome) =>
        outcome is PathwayOutcome.Timeout or PathwayOutcome.Shed or PathwayOutcome.BreakerOpen
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status502BadGateway;

    // Marks a pending attempt aborted (fencing requestId, if any), then gives back its reservation and frees its
    // slot. Uses CancellationToken.None once the abort is written: a half-done rollback is left to the sweeper only
    // when the sidecar fails, not because a caller went away. True when this call aborted it.
    private async Task<bool> RollBackAsync(string orderId, int attempt, string? fence, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var entry = await ReadAsync(orderId, cancellationToken);
            if (entry?.Value is not { Status: OrderStatuses.Pending } record || record.Attempt != attempt)
            {
                return false;
            }

            var aborted = record with { Status = OrderStatuses.Aborted, Fenced = Fence(record.Fenced, fence), ChangedAt = time.GetUtcNow() };
            if (!await sidecar.TrySaveStateAsync(StateStore, OrderKey(orderId), aborted, entry.ETag, Retention, cancellationToken))
            {
                continue;
            }

            if (await ReleaseAsync(orderId, attempt, CancellationToken.None) && record.Slot is { } slot)
            {
                await FreeSlotAsync(slot, orderId, attempt, CancellationToken.None);
            }

            return true;
        }

        return false;
    }

    // Gives back what this attempt reserved (inventory fences the attempt, so a reservation still on its way is refused).
    private async Task<bool> ReleaseAsync(string orderId, int attempt, CancellationToken cancellationToken)
    {
        var result = await pathways["inventory"].InvokeAsync(HttpMethod.Delete, $"reservations/{orderId}?attempt={attempt}", null, cancellationToken);
        using var response = result.Value;
        if (response?.IsSuccessStatusCode == true)
        {
            return true;
        }

        Log.InventoryFailed(logger, orderId, "release", result.Outcome.ToString());
        return false;
    }

    private Task AnnounceAsync(OrderRecord record, CancellationToken cancellationToken) =>
        sidecar.PublishEventAsync(
            Topics.PubSub,
            Topics.Orders,
            new OrderPlaced(record.OrderId, record.CustomerId, record.Sku, record.Quantity, record.Total, record.ChangedAt),
            CloudEventMetadata.For(OrderPlaced.Type, record.OrderId + "/placed"),
            cancellationToken);

    private Task PublishOutcomeAsync(OrderRecord record, CancellationToken cancellationToken) => record.Status is OrderStatuses.Confirmed or OrderStatuses.Shipped
        ? sidecar.PublishEventAsync(
            Topics.PubSub,
            Topics.Orders,
            new OrderConfirmed(record.OrderId, record.CustomerId, record.Detail ?? string.Empty, record.ChangedAt),
            CloudEventMetadata.For(OrderConfirmed.Type, record.OrderId + "/confirmed"),
            cancellationToken)
        : sidecar.PublishEventAsync(
            Topics.PubSub,
            Topics.Orders,
            new OrderCancelled(record.OrderId, record.CustomerId, record.Sku, record.Quantity, record.Detail ?? string.Empty, record.ChangedAt),
            CloudEventMetadata.For(OrderCancelled.Type, record.OrderId + "/cancelled"),
            cancellationToken);

    // Frees a journal slot if it still holds this attempt (guarded by its ETag: a slot is never freed for someone else).
    private async Task FreeSlotAsync(int slot, string orderId, int attempt, CancellationToken cancellationToken)
    {
        var entry = await sidecar.GetStateEntryAsync<JournalEntry>(StateStore, SlotKey(slot), cancellationToken: cancellationToken);
        if (entry?.Value is { } journal && journal.OrderId == orderId && journal.Attempt == attempt)
        {
            await sidecar.TryDeleteStateAsync(StateStore, SlotKey(slot), entry.ETag, cancellationToken: cancellationToken);
        }
    }

    // Waits until another request's attempt settles; false when this request has to stop waiting first.
    private async Task<bool> WaitWhilePendingAsync(OrderRecord pending, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        var until = pending.DeadlineUnixMs + (long)options.Value.SettleGrace.TotalMilliseconds;
        while (NowMs < until)
        {
            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            var now = (await ReadAsync(pending.OrderId, cancellationToken))?.Value;
            if (now is null || now.Status != OrderStatuses.Pending || now.Attempt != pending.Attempt)
            {
                return true;
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }

        return true;
    }

    private Task<StateEntry<OrderRecord>> ReadAsync(string orderId, CancellationToken cancellationToken) =>
        sidecar.GetStateEntryAsync<OrderRecord>(StateStore, OrderKey(orderId), cancellationToken: cancellationToken);

    private Task<bool> TryFirstWriteAsync<T>(string key, T value, CancellationToken cancellationToken) =>
        sidecar.TrySaveFirstAsync(StateStore, key, value, Retention, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Order {OrderId} placed: {Quantity} x {Sku}")]
        public static partial void Placed(ILogger logger, string orderId, string sku, int quantity);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Order {OrderId}: the inventory {Call} ended with {Outcome}")]
        public static partial void InventoryFailed(ILogger logger, string orderId, string call, string outcome);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Order {OrderId}: attempt {Attempt} rolled back, its caller gave up")]
        public static partial void Aborted(ILogger logger, string orderId, int attempt);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Order {OrderId}: the journal's attempt {Attempt} settled ({Status})")]
        public static partial void Settled(ILogger logger, string orderId, int attempt, string status);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Order {OrderId} is placed but could not be announced yet ({Reason}); the journal sweeper will")]
        public static partial void AnnounceDeferred(ILogger logger, string orderId, string reason);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Ignored event {EventId}: order {OrderId} is {Status}, not an accepted order")]
        public static partial void PaymentForUnknownOrder(ILogger logger, string eventId, string orderId, string status);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Ignored event {EventId}: order {OrderId} is already {Status}, which never changes")]
        public static partial void FinalStateKept(ILogger logger, string eventId, string orderId, string status);

        [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Order {OrderId}: attempt {Attempt} failed ({Exception}: {Reason}); rolling it back")]
        public static partial void AttemptFailed(ILogger logger, string orderId, int attempt, string exception, string reason);
    }
}

/// <summary>What orders reads of inventory's <c>GET /stock/{sku}</c>.</summary>
internal sealed record StockLevelView(string Sku, int Available, int Reserved);
