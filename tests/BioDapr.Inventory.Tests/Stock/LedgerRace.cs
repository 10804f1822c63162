using BioDapr.Cell.State;
using BioDapr.Inventory.Catalogue;
using BioDapr.Inventory.Stock;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Call = BioDapr.Inventory.Tests.Stock.StepScheduler.Call;

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// One race of the ledger: a catalogue, one store, and calls that each run on their own replica (a
/// <see cref="StockLedger"/> of its own, as an inventory replica is) under one <see cref="StepScheduler"/>. Setting up
/// (<see cref="SetUpAsync"/>) and auditing run outside the scheduler. When a call ends, the reservation records of every
/// order of the race are taken as they are at that moment (<see cref="Call.AtEnd"/>): what the answer said must be
/// true then, before any other call moves.
/// </summary>
internal sealed class LedgerRace
{
    private readonly HashSet<string> _orders = new(StringComparer.Ordinal);

    public LedgerRace(IReadOnlyDictionary<string, int> catalogue)
    {
        Catalogue = new ProductCatalogue(catalogue);
        Store = new SteppedStateStore(Scheduler);
        Scheduler.Ended = call => call.AtEnd = Records();
    }

    public StepScheduler Scheduler { get; } = new();

    public SteppedStateStore Store { get; }

    public ProductCatalogue Catalogue { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A new replica's ledger on the race's store.</summary>
    public StockLedger Replica() =>
        new(Store.Client(), Catalogue, Time, Options.Create(new RecyclingOptions()), NullLogger<StockLedger>.Instance);

    /// <summary>Runs <paramref name="setUp"/> on a replica of its own, outside the scheduler (nothing races it).</summary>
    public async Task SetUpAsync(Func<StockLedger, Task> setUp) => await setUp(Replica());

    /// <summary>A reservation racing the others, on its own replica.</summary>
    public Call Reserve(string name, string orderId, int attempt, string sku, int quantity)
    {
        _orders.Add(orderId);
        var ledger = Replica();
        return Scheduler.Add(name, async () => new Reserved(orderId, attempt, sku, quantity, await ledger.ReserveAsync(orderId, attempt, sku, quantity, CancellationToken.None)));
    }

    /// <summary>A release racing the others, on its own replica.</summary>
    public Call Release(string name, string orderId, int attempt)
    {
        _orders.Add(orderId);
        var ledger = Replica();
        return Scheduler.Add(name, async () => new Released(orderId, attempt, await ledger.ReleaseAsync(orderId, attempt, CancellationToken.None)));
    }

    /// <summary>A sweep (no grace) racing the others, on its own replica.</summary>
    public Call Sweep(string name)
    {
        var ledger = Replica();
        return Scheduler.Add(name, async () => await ledger.SweepAsync(TimeSpan.Zero, CancellationToken.None));
    }

    /// <summary>
    /// Orders' placement as it uses inventory: the reservation's answer is final (201 placed, 409
    /// refused, anything else rolled back with a release of the attempt), on its own replica.
    /// </summary>
    public Call Place(string name, string orderId, int attempt, string sku, int quantity)
    {
        _orders.Add(orderId);
        var ledger = Replica();
        return Scheduler.Add(name, async () =>
        {
            var reserved = await ledger.ReserveAsync(orderId, attempt, sku, quantity, CancellationToken.None);
            var placement = reserved.Outcome switch
            {
                ReservationOutcome.Done or ReservationOutcome.Replayed => Placement.Placed,
                ReservationOutcome.OutOfStock => Placement.Refused,
                _ => Placement.RolledBack,
            };
            if (placement == Placement.RolledBack)
            {
                await ledger.ReleaseAsync(orderId, attempt, CancellationToken.None);
            }

            return new Placed(orderId, attempt, sku, quantity, reserved.Outcome, placement);
        });
    }

    /// <summary>Every order's reservation record as stored now (no gate).</summary>
    public Dictionary<string, ReservationRecord?> Records() =>
        _orders.ToDictionary(order => order, order => Store.Peek<ReservationRecord>("reservation-" + order), StringComparer.Ordinal);

    /// <summary>Every order of the race.</summary>
    public IReadOnlyCollection<string> Orders => _orders;

    internal enum Placement
    {
        Placed,
        Refused,
        RolledBack,
    }

    internal sealed record Reserved(string OrderId, int Attempt, string Sku, int Quantity, (ReservationOutcome Outcome, ReservationRecord? Reservation, StockLevel? Stock) Answer);

    internal sealed record Released(string OrderId, int Attempt, (ReservationOutcome Outcome, ReservationRecord? Reservation) Answer);

    internal sealed record Placed(string OrderId, int Attempt, string Sku, int Quantity, ReservationOutcome Reservation, Placement Placement);
}
