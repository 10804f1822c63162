using System.ComponentModel.DataAnnotations;
using BioDapr.Cell.Ingress;
using BioDapr.Gateway.Admission;
using BioDapr.Gateway.Hormones;
using BioDapr.Pathways.Hormones;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Gateway.Tests.Admission;

/// <summary>
/// The gateway's fair sharing of its capacity to orders: per-client queues with a deadline, the next slot to the
/// waiting client with the fewest in flight (round-robin among equals), limits read live.
/// </summary>
public sealed class FairShareSchedulerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private FairShareLimits _limits = new(Concurrency: 4, QueueLimit: 32, QueueTimeout: TimeSpan.FromSeconds(1));

    [Fact]
    public async Task ALoneClient_UsesAllSlotsButOne_ThenWaitsInItsOwnQueue_AndGetsTheNextSlot()
    {
        var scheduler = NewScheduler();

        var first = await EnterManyAsync(scheduler, "bulk", 3);
        var waiting = scheduler.EnterAsync("bulk", Ct);

        first.ShouldAllBe(t => t.Admitted);
        waiting.IsCompleted.ShouldBeFalse();
        scheduler.Queued.ShouldBe(1);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        scheduler.Exit("bulk");
        var ticket = await waiting;
        ticket.Outcome.ShouldBe(FairShareOutcome.Admitted);
        ticket.Waited.ShouldBe(TimeSpan.FromMilliseconds(300));
        scheduler.InFlight.ShouldBe(3);
    }

    [Fact]
    public async Task ANewcomer_IsServedAtOnce_AndTheFloodsQueuedRequestsNeverGoAheadOfAnotherClients()
    {
        var scheduler = NewScheduler();
        await EnterManyAsync(scheduler, "bulk", 3);
        var flood = Enumerable.Range(0, 20).Select(_ => scheduler.EnterAsync("bulk", Ct)).ToList();

        var shop = scheduler.EnterAsync("shop", Ct);
        var third = scheduler.EnterAsync("third", Ct);

        shop.IsCompleted.ShouldBeTrue("the last free slot is kept for a client with nothing in flight");
        (await shop).Outcome.ShouldBe(FairShareOutcome.Admitted);
        third.IsCompleted.ShouldBeFalse("every slot is taken now");
        scheduler.Exit("bulk");
        (await third).Outcome.ShouldBe(FairShareOutcome.Admitted, "the flood's 20 waiting requests came first, but the slot goes to the client with none in flight");
        flood.Count(t => t.IsCompleted).ShouldBe(0);
        scheduler.InFlightOf("bulk").ShouldBe(2);
        scheduler.InFlight.ShouldBe(4);
    }

    [Fact]
    public async Task TwoClientsThatBothWantMore_ShareTheSlotsEqually()
    {
        _limits = _limits with { QueueLimit = 1_000 };
        var scheduler = NewScheduler();
        await EnterManyAsync(scheduler, "bulk", 3);
        var bulk = Enumerable.Range(0, 200).Select(_ => scheduler.EnterAsync("bulk", Ct)).ToList();
        var shop = Enumerable.Range(0, 200).Select(_ => scheduler.EnterAsync("shop", Ct)).ToList();

        // Every completed request is replaced by its client's next; the one that ends is chosen at random.
        var random = new Random(3);
        for (var i = 0; i < 100; i++)
        {
            var inFlight = new[] { "bulk", "shop" }.Where(c => scheduler.InFlightOf(c) > 0).ToList();
            scheduler.Exit(inFlight[random.Next(inFlight.Count)]);
            Math.Abs(scheduler.InFlightOf("bulk") - scheduler.InFlightOf("shop")).ShouldBeLessThanOrEqualTo(2, $"round {i}");
        }

        // Both have requests in flight, so one slot stays free for a newcomer: 3 of 4 in use, shared 2 and 1.
        scheduler.InFlight.ShouldBe(3);
        Math.Abs(scheduler.InFlightOf("bulk") - scheduler.InFlightOf("shop")).ShouldBe(1);
        (bulk.Count(t => t.IsCompleted) + shop.Count(t => t.IsCompleted)).ShouldBeGreaterThanOrEqualTo(99, "every freed slot but the one kept free went to a waiting request");
        await Task.WhenAll(bulk.Concat(shop).Where(t => t.IsCompleted));
    }

    [Fact]
    public async Task NClients_EachGetsItsShare_WhateverItAsksFor()
    {
        _limits = _limits with { Concurrency = 12, QueueLimit = 1_000 };
        var scheduler = NewScheduler();
        string[] clients = ["a", "b", "c", "d"];

        // A different appetite each (a asks 4 times what d does), all more than a fair share; a came first and took all slots but one, b the last one.
        var pending = clients.SelectMany((c, i) => Enumerable.Range(0, 100 * (4 - i)).Select(_ => scheduler.EnterAsync(c, Ct))).ToList();
        scheduler.InFlightOf("a").ShouldBe(11);
        scheduler.InFlightOf("b").ShouldBe(1);
        var random = new Random(11);
        var balanced = false;
        for (var i = 0; i < 150; i++)
        {
            var inFlight = clients.Where(c => scheduler.InFlightOf(c) > 0).ToList();
            scheduler.Exit(inFlight[random.Next(inFlight.Count)]);
            var spread = clients.Max(scheduler.InFlightOf) - clients.Min(scheduler.InFlightOf);
            (balanced && spread > 1).ShouldBeFalse($"round {i}: once the shares are equal they stay equal");
            balanced |= spread <= 1;
        }

        balanced.ShouldBeTrue();
        clients.Count(c => scheduler.InFlightOf(c) == 3).ShouldBe(3);
        scheduler.InFlight.ShouldBe(11, "one slot stays free for a newcomer");
        await Task.WhenAll(pending.Where(t => t.IsCompleted));
    }

    [Fact]
    public async Task ARequestThatFindsNoSlotInTime_IsRefused_429AtItsShare_503BelowIt()
    {
        _limits = _limits with { Concurrency = 2 };
        var scheduler = NewScheduler();
        await scheduler.EnterAsync("bulk", Ct);
        var bulk = scheduler.EnterAsync("bulk", Ct);
        (await scheduler.EnterAsync("shop", Ct)).Admitted.ShouldBeTrue();
        var third = scheduler.EnterAsync("third", Ct);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        bulk.IsCompleted.ShouldBeFalse();
        third.IsCompleted.ShouldBeFalse();
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var refusedBulk = await bulk;
        var refusedThird = await third;
        refusedBulk.Outcome.ShouldBe(FairShareOutcome.OverShare, "bulk had 1 in flight, its share (2 slots / 3 clients, at least 1)");
        refusedThird.Outcome.ShouldBe(FairShareOutcome.Busy, "third had nothing in flight: the capacity was busy");
        refusedThird.RetryAfter.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        refusedThird.Waited.ShouldBe(TimeSpan.FromSeconds(1));
        scheduler.Queued.ShouldBe(0);
        scheduler.InFlight.ShouldBe(2, "a refused request never held a slot");
        scheduler.Clients.ShouldBe(2, "third, with nothing in flight or waiting, is forgotten");
    }

    [Fact]
    public async Task OneRequestBeyondTheClientsQueue_IsRefusedAtOnce_AndNoQueueMeansNoWaiting()
    {
        _limits = _limits with { Concurrency = 1, QueueLimit = 2 };
        var scheduler = NewScheduler();
        await scheduler.EnterAsync("bulk", Ct);
        var queued = Enumerable.Range(0, 2).Select(_ => scheduler.EnterAsync("bulk", Ct)).ToList();

        (await scheduler.EnterAsync("bulk", Ct)).Outcome.ShouldBe(FairShareOutcome.QueueFull);
        var shop = scheduler.EnterAsync("shop", Ct);
        shop.IsCompleted.ShouldBeFalse("another client's queue is its own");

        _limits = _limits with { QueueLimit = 0 };
        (await scheduler.EnterAsync("other", Ct)).Outcome.ShouldBe(FairShareOutcome.Busy);
        _limits = _limits with { QueueLimit = 2, QueueTimeout = TimeSpan.Zero };
        (await scheduler.EnterAsync("bulk", Ct)).Outcome.ShouldBe(FairShareOutcome.OverShare);
        queued.ShouldAllBe(t => !t.IsCompleted);
    }

    [Fact]
    public async Task AWaitingRequestWhoseCallerGivesUp_LeavesTheQueue_AndTakesNoSlot()
    {
        _limits = _limits with { Concurrency = 1 };
        var scheduler = NewScheduler();
        await scheduler.EnterAsync("bulk", Ct);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var cancelled = scheduler.EnterAsync("shop", gone.Token);
        var next = scheduler.EnterAsync("third", Ct);

        await gone.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => cancelled);
        scheduler.Queued.ShouldBe(1);
        scheduler.Exit("bulk");
        (await next).Admitted.ShouldBeTrue();
        scheduler.InFlightOf("shop").ShouldBe(0);
        scheduler.InFlight.ShouldBe(1);
        _time.Advance(TimeSpan.FromSeconds(5));
        scheduler.InFlight.ShouldBe(1, "the cancelled request's deadline does nothing");
    }

    [Fact]
    public async Task AClientThatLeaves_GivesItsShareBackToTheOthers()
    {
        _limits = _limits with { Concurrency = 7 };
        var scheduler = NewScheduler();
        foreach (var client in new[] { "a", "b", "c" })
        {
            await EnterManyAsync(scheduler, client, 2);
        }

        var waitingA = Enumerable.Range(0, 5).Select(_ => scheduler.EnterAsync("a", Ct)).ToList();
        var waitingB = Enumerable.Range(0, 5).Select(_ => scheduler.EnterAsync("b", Ct)).ToList();

        scheduler.Exit("c");
        scheduler.Exit("c");

        scheduler.Clients.ShouldBe(2);
        scheduler.InFlightOf("a").ShouldBe(3);
        scheduler.InFlightOf("b").ShouldBe(3);
        await Task.WhenAll(waitingA.Concat(waitingB).Where(t => t.IsCompleted));
        waitingA.Count(t => t.IsCompleted).ShouldBe(1);
        waitingB.Count(t => t.IsCompleted).ShouldBe(1);
    }

    [Fact]
    public async Task ACapacityChangedLive_LowerAdmitsNobodyUntilRequestsEnd_HigherAdmitsTheWaiting()
    {
        var scheduler = NewScheduler();
        await EnterManyAsync(scheduler, "bulk", 3);
        var waiting = Enumerable.Range(0, 4).Select(_ => scheduler.EnterAsync("shop", Ct)).ToList();
        waiting.Count(t => t.IsCompleted).ShouldBe(1, "shop's first takes the slot kept free");

        _limits = _limits with { Concurrency = 2 };
        scheduler.Exit("bulk");
        scheduler.Exit("bulk");
        scheduler.Exit("bulk");
        waiting.Count(t => t.IsCompleted).ShouldBe(1, "4 in flight, then 1, with a limit of 2 whose last slot is kept free: nothing more is admitted");
        scheduler.InFlight.ShouldBe(1);

        _limits = _limits with { Concurrency = 6 };
        scheduler.Drain();

        waiting.ShouldAllBe(t => t.IsCompleted);
        (await Task.WhenAll(waiting)).ShouldAllBe(t => t.Admitted);
        scheduler.InFlight.ShouldBe(4);
    }

    [Fact]
    public async Task ACapacityLoweredUnderAFlood_GivesTheNextSlotThatEnds_ToANewcomerWithNothingInFlight()
    {
        // The flood test on a loaded machine: the flood started under the default 8 slots, the test's 4 arrived with 7 in
        // flight, and the polite client waited for 4 of them to end (longer than its 1.2 s on a loaded machine: 503).
        _limits = _limits with { Concurrency = 8 };
        var scheduler = NewScheduler();
        await EnterManyAsync(scheduler, "bulk", 7);
        var flood = scheduler.EnterAsync("bulk", Ct);
        _limits = _limits with { Concurrency = 4 };

        var polite = scheduler.EnterAsync("shop", Ct);
        polite.IsCompleted.ShouldBeFalse("7 in flight and a capacity of 4: nothing is pre-empted");
        scheduler.Exit("bulk");

        polite.IsCompleted.ShouldBeTrue("the first slot that ends goes to the client with nothing in flight");
        (await polite).Outcome.ShouldBe(FairShareOutcome.Admitted);
        scheduler.InFlight.ShouldBe(7, "in flight stays where it was");
        scheduler.Exit("bulk");
        scheduler.Exit("bulk");
        scheduler.Exit("bulk");
        flood.IsCompleted.ShouldBeFalse("the flood's own waiting request waits until in flight is below the capacity");
        scheduler.InFlight.ShouldBe(4);
        scheduler.Exit("bulk");
        flood.IsCompleted.ShouldBeFalse("3 in flight: the last free slot is kept for a client with nothing in flight");
        scheduler.Exit("shop");
        (await flood).Outcome.ShouldBe(FairShareOutcome.Admitted);
        scheduler.InFlightOf("bulk").ShouldBe(3);
    }

    [Fact]
    public async Task AQueueThatHasNotBeenEmptyForAWholeQueueTimeout_IsStanding_ItsNewRequestsWaitOnlyTheStandingTimeout()
    {
        // The reference replay's client gives up after 1 s, the queue timeout: in a queue that stays, FIFO served only
        // requests that had waited ~1 s, so every answer came after the client had gone (goodput 0).
        _limits = _limits with { StandingQueueTimeout = TimeSpan.FromMilliseconds(50) };
        var scheduler = NewScheduler();
        await EnterManyAsync(scheduler, "shop", 3);
        var first = scheduler.EnterAsync("shop", Ct);
        _time.Advance(TimeSpan.FromMilliseconds(900));
        var second = scheduler.EnterAsync("shop", Ct);
        scheduler.Exit("shop");
        (await first).Waited.ShouldBe(TimeSpan.FromMilliseconds(900));
        _time.Advance(TimeSpan.FromMilliseconds(100));

        var standing = scheduler.EnterAsync("shop", Ct);
        _time.Advance(TimeSpan.FromMilliseconds(50));

        standing.IsCompleted.ShouldBeTrue("a request in a standing queue waits 50 ms, not 1 s");
        var refused = await standing;
        refused.Outcome.ShouldBe(FairShareOutcome.Busy, "the queue has not been empty for 1 s: a burst would have drained by now");
        refused.Waited.ShouldBe(TimeSpan.FromMilliseconds(50));
        second.IsCompleted.ShouldBeFalse("a request queued before the queue stood keeps its full timeout");
        scheduler.Exit("shop");
        (await second).Outcome.ShouldBe(FairShareOutcome.Admitted);

        // Empty again: the next request is a burst's first and may wait the whole queue timeout.
        var burst = scheduler.EnterAsync("shop", Ct);
        _time.Advance(TimeSpan.FromMilliseconds(900));
        burst.IsCompleted.ShouldBeFalse();
        scheduler.Exit("shop");
        (await burst).Waited.ShouldBe(TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public async Task AStandingQueue_ShortensOnlyItsOwnClientsWait_AnotherClientsRequestWaitsTheFullTimeout()
    {
        _limits = _limits with { StandingQueueTimeout = TimeSpan.Zero };
        var scheduler = NewScheduler();
        await EnterManyAsync(scheduler, "bulk", 3);
        var flood = scheduler.EnterAsync("bulk", Ct);
        _time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1));
        (await scheduler.EnterAsync("shop", Ct)).Outcome.ShouldBe(FairShareOutcome.Admitted);
        var stillFlooding = scheduler.EnterAsync("bulk", Ct);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await flood).Outcome.ShouldBe(FairShareOutcome.OverShare);
        var another = scheduler.EnterAsync("bulk", Ct);
        another.IsCompleted.ShouldBeTrue("bulk's queue has not been empty for 1 s, and a standing queue may not wait at all here");
        (await another).Outcome.ShouldBe(FairShareOutcome.OverShare);

        var polite = scheduler.EnterAsync("shop", Ct);
        _time.Advance(TimeSpan.FromMilliseconds(800));
        polite.IsCompleted.ShouldBeFalse("shop's own queue was empty: it may wait the whole queue timeout");
        scheduler.Exit("shop");
        (await polite).Outcome.ShouldBe(FairShareOutcome.Admitted);
        stillFlooding.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public void ExitWithoutEnter_ChangesNothing()
    {
        var scheduler = NewScheduler();

        scheduler.Exit("nobody");

        scheduler.InFlight.ShouldBe(0);
        scheduler.Clients.ShouldBe(0);
    }

    [Theory]
    [InlineData(nameof(FairShareHormones.Concurrency), 0, 1_000, 32)]
    [InlineData(nameof(FairShareHormones.QueueLimit), 8, 1_000, -1)]
    [InlineData(nameof(FairShareHormones.QueueTimeoutMs), 8, 600_000, 32)]
    [InlineData(nameof(FairShareHormones.StandingQueueTimeoutMs), 8, 1_000, 32, -1)]
    public void AnOutOfBoundsHormone_FailsValidation_NamingIt(string property, int concurrency, int queueTimeoutMs, int queueLimit, int standingQueueTimeoutMs = 50)
    {
        // The hormone set validates every update with these annotations and keeps the last good value (BioDapr.Cell.Tests).
        var hormones = new FairShareHormones { Concurrency = concurrency, QueueTimeoutMs = queueTimeoutMs, QueueLimit = queueLimit, StandingQueueTimeoutMs = standingQueueTimeoutMs };
        var results = new List<ValidationResult>();

        Validator.TryValidateObject(hormones, new ValidationContext(hormones), results, validateAllProperties: true).ShouldBeFalse();

        results.ShouldHaveSingleItem().MemberNames.ShouldBe([property]);
        var defaults = new FairShareHormones();
        Validator.TryValidateObject(defaults, new ValidationContext(defaults), results, validateAllProperties: true).ShouldBeTrue("the defaults are valid");
    }

    [Fact]
    public void TheLimitsInForce_AreTheHormones_BoundedByTheWorkerSlotsAndThePathwayLimit()
    {
        var fairShare = new FairShareHormones { Concurrency = 8, QueueLimit = 5, QueueTimeoutMs = 250 };

        var limits = FairShareLimits.From(fairShare, new AdmissionHormones { MaxConcurrency = 64 }, new PathogenHormones(), new PathwayHormones());
        var cut = FairShareLimits.From(fairShare, new AdmissionHormones { MaxConcurrency = 64 }, new PathogenHormones(), new PathwayHormones { ConcurrencyLimit = 3 });
        var lostSlots = FairShareLimits.From(fairShare, new AdmissionHormones { MaxConcurrency = 8 }, new PathogenHormones { SlotReduction = 8 }, new PathwayHormones());

        limits.ShouldBe(new FairShareLimits(8, 5, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(FairShareHormones.DefaultStandingQueueTimeoutMs)));
        cut.Concurrency.ShouldBe(3);
        lostSlots.Concurrency.ShouldBe(1);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<FairShareTicket[]> EnterManyAsync(FairShareScheduler scheduler, string client, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => scheduler.EnterAsync(client, Ct)));

    private FairShareScheduler NewScheduler() => new(_time, () => _limits);
}
