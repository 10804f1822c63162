using BioDapr.Inventory.Stock;
using Reserved = BioDapr.Inventory.Tests.Stock.LedgerRace.Reserved;

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// The ledger's races between replicas, replayed step by step (<see cref="StepScheduler"/>: one store operation at a
/// time, in the order a schedule says) instead of left to timing: the stalled-reservation race of docs/scaling.md
/// scripted, then every schedule with up to two preemptions of small races (reservations of one key racing, two orders
/// racing for freed units, releases, a later attempt, the sweep, orders' placement with a duplicate call in flight),
/// and seeded random schedules of a larger one; each audited by <see cref="LedgerAudit"/>.
/// </summary>
public sealed class StockLedgerRaceTests
{
    private const string Scarce = "scarce";
    private const string Plenty = "plenty";
    private static readonly Dictionary<string, int> Initial = new(StringComparer.Ordinal) { [Scarce] = 5, [Plenty] = 100 };

    // A race on a catalogue where order o0 holds every unit of the scarce SKU.
    private static async Task<LedgerRace> SoldOutAsync()
    {
        var race = new LedgerRace(Initial);
        await race.SetUpAsync(async ledger => (await ledger.ReserveAsync("o0", 1, Scarce, 5, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.Done));
        return race;
    }

    private static Task AuditAsync(LedgerRace race) => LedgerAudit.AuditAsync(race, Initial);

    [Fact]
    public async Task AStalledReservation_WhoseOutOfStockDecisionItsRetrySettled_AnswersAsTheRetry_AndNoOrderAnswered409HoldsUnits()
    {
        // docs/scaling.md, "Found on the way": call 1 announces c1 and stalls; call 2 (its retry, another replica)
        // completes c1 (out of stock), then announces c2, which a release makes possible; call 1 resumes and finds
        // c1's "no" in the stock. It answered 409 while c2 was under way for the same order and attempt, and c2 then
        // held the units: a refused order holding stock.
        var race = await SoldOutAsync();
        var stalled = race.Reserve("call 1", "o1", 1, Scarce, 5);
        var retry = race.Reserve("call 2", "o1", 1, Scarce, 5);
        var release = race.Release("release o0", "o0", StockLedger.EveryAttempt);
        var steps = race.Scheduler;

        await steps.RunUntilAsync(stalled, op => op.StartsWith("read stock-", StringComparison.Ordinal));
        await steps.RunUntilAsync(retry, op => op.StartsWith("read stock-", StringComparison.Ordinal));
        await steps.StepAsync(retry);
        await steps.RunUntilAsync(retry, op => op.StartsWith("read stock-", StringComparison.Ordinal));
        await steps.RunToEndAsync(stalled);
        await steps.RunToEndAsync(release);
        await steps.RunToEndAsync(retry);

        var first = ((Reserved)stalled.Result!).Answer.Outcome;
        var second = ((Reserved)retry.Result!).Answer.Outcome;
        (first, second).ShouldBe((ReservationOutcome.OutOfStock, ReservationOutcome.OutOfStock), string.Join("\n", steps.Trace));
        race.Records()["o1"].ShouldNotBeNull().State.ShouldBe(ReservationRecord.Refused, "the key's outcome (out of stock) is kept for its retries");
        await AuditAsync(race);
    }

    [Fact]
    public async Task ARetryAfterOutOfStock_GetsOutOfStockAgain_EvenWhenUnitsCameBack_ALaterAttemptReservesThem()
    {
        var race = await SoldOutAsync();
        var ledger = race.Replica();
        (await ledger.ReserveAsync("o1", 1, Scarce, 5, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.OutOfStock);
        (await ledger.ReleaseAsync("o0", StockLedger.EveryAttempt, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.Done);

        var retried = await ledger.ReserveAsync("o1", 1, Scarce, 5, CancellationToken.None);
        retried.Outcome.ShouldBe(ReservationOutcome.OutOfStock, "a retry of the key gets its first outcome");
        retried.Stock.ShouldBeNull("a replayed refusal is not a new look at the stock");
        (await ledger.ReserveAsync("o1", 1, Scarce, 4, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.Mismatch, "the key was used for 5");

        var later = await ledger.ReserveAsync("o1", 2, Scarce, 5, CancellationToken.None);
        later.Outcome.ShouldBe(ReservationOutcome.Done, "a new attempt (orders retries an aborted order with a new attempt) reserves anew");
        later.Reservation.ShouldNotBeNull().State.ShouldBe(ReservationRecord.Held);
        (await ledger.ReleaseAsync("o1", 2, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.Done);
        await AuditAsync(race);
    }

    [Fact]
    public async Task TheApi_AnswersARetryOfARefusedAttempt409_SayingItWasRefused()
    {
        var race = await SoldOutAsync();
        var ledger = race.Replica();
        var reservation = new BioDapr.Inventory.Apis.Reservation("o1", Scarce, 5, 1);

        var first = (await BioDapr.Inventory.Apis.InventoryApi.ReserveAsync(reservation, ledger, CancellationToken.None)).Result
            .ShouldBeOfType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>();
        (await ledger.ReleaseAsync("o0", StockLedger.EveryAttempt, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.Done);
        var retried = (await BioDapr.Inventory.Apis.InventoryApi.ReserveAsync(reservation, ledger, CancellationToken.None)).Result
            .ShouldBeOfType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>();

        (first.StatusCode, retried.StatusCode).ShouldBe((409, 409));
        first.ProblemDetails.Detail.ShouldBe("Only 0 of scarce available.");
        retried.ProblemDetails.Detail.ShouldBe("Attempt 1 of order o1 was refused: too few scarce were available when it was decided. A retry of the attempt gets the same answer.");
    }

    [Fact]
    public async Task AReleaseOfARefusedAttempt_FencesIt_AndGivesNothingBack()
    {
        var race = await SoldOutAsync();
        var ledger = race.Replica();
        (await ledger.ReserveAsync("o1", 1, Scarce, 5, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.OutOfStock);

        var released = await ledger.ReleaseAsync("o1", 1, CancellationToken.None);
        released.Outcome.ShouldBe(ReservationOutcome.Replayed, "nothing was held");
        released.Reservation.ShouldNotBeNull().State.ShouldBe(ReservationRecord.Released);
        (await ledger.ReserveAsync("o1", 1, Scarce, 5, CancellationToken.None)).Outcome.ShouldBe(ReservationOutcome.Released);
        var stock = (await ledger.GetStockAsync(Scarce, CancellationToken.None)).ShouldNotBeNull();
        (stock.Available, stock.Reserved).ShouldBe((0, 5), "o0 still holds every unit");
        await AuditAsync(race);
    }

    public static TheoryData<string> Races() => [.. RaceSetUps.Keys];

    // Small races: three calls, each on its own replica.
    private static readonly Dictionary<string, Func<Task<LedgerRace>>> RaceSetUps = new(StringComparer.Ordinal)
    {
        ["a retry races its original while a release frees the units"] = async () =>
        {
            var race = await SoldOutAsync();
            race.Reserve("A o1/1", "o1", 1, Scarce, 5);
            race.Reserve("B o1/1", "o1", 1, Scarce, 5);
            race.Release("C release o0", "o0", StockLedger.EveryAttempt);
            return race;
        },
        ["two orders race for the units a release frees"] = async () =>
        {
            var race = await SoldOutAsync();
            race.Reserve("A o1/1", "o1", 1, Scarce, 5);
            race.Reserve("B o2/1", "o2", 1, Scarce, 5);
            race.Release("C release o0", "o0", StockLedger.EveryAttempt);
            return race;
        },
        ["orders' rollback of an attempt races its reservation and a retry"] = () =>
        {
            var race = new LedgerRace(Initial);
            race.Reserve("A o1/1", "o1", 1, Scarce, 5);
            race.Reserve("B o1/1", "o1", 1, Scarce, 5);
            race.Release("C release o1/1", "o1", 1);
            return Task.FromResult(race);
        },
        ["a later attempt races the earlier one and its release"] = () =>
        {
            var race = new LedgerRace(Initial);
            race.Reserve("A o1/1", "o1", 1, Scarce, 3);
            race.Reserve("B o1/2", "o1", 2, Scarce, 3);
            race.Release("C release o1/1", "o1", 1);
            return Task.FromResult(race);
        },
        ["the sweep races a reservation and a release"] = async () =>
        {
            var race = await SoldOutAsync();
            race.Reserve("A o1/1", "o1", 1, Scarce, 5);
            race.Sweep("B sweep");
            race.Release("C release o0", "o0", StockLedger.EveryAttempt);
            return race;
        },
        ["orders places with a duplicate of its call in flight while a release frees the units"] = async () =>
        {
            var race = await SoldOutAsync();
            race.Place("A place o1/1", "o1", 1, Scarce, 5);
            race.Reserve("B duplicate o1/1", "o1", 1, Scarce, 5);
            race.Release("C release o0", "o0", StockLedger.EveryAttempt);
            return race;
        },
    };

    [Theory]
    [MemberData(nameof(Races))]
    public async Task EverySchedule_WithUpToTwoPreemptions_KeepsTheLedgersPromises(string race)
    {
        var explored = await RaceExplorer.ExhaustiveAsync(RaceSetUps[race], AuditAsync, preemptions: 2);

        // Each race has tens of store operations: hundreds of schedules, not a handful.
        explored.Runs.ShouldBeGreaterThan(100, $"{explored}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{race}: {explored.Runs} schedules, up to {explored.LongestRun} steps");
    }

    [Fact]
    public async Task SeededRandomSchedules_OfSixCalls_PlacementsADuplicateAReleaseAndTheSweep_KeepTheLedgersPromises()
    {
        async Task<LedgerRace> Race()
        {
            var race = await SoldOutAsync();
            race.Place("A place o1/1", "o1", 1, Scarce, 3);
            race.Reserve("B duplicate o1/1", "o1", 1, Scarce, 3);
            race.Place("C place o2/1", "o2", 1, Scarce, 2);
            race.Reserve("D o3/1", "o3", 1, Plenty, 7);
            race.Release("E release o0", "o0", StockLedger.EveryAttempt);
            race.Sweep("F sweep");
            return race;
        }

        var explored = await RaceExplorer.RandomAsync(Race, AuditAsync, seed: 11, runs: 1000);
        explored.Runs.ShouldBe(1000);
    }
}
