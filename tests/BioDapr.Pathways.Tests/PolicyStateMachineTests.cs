using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;

namespace BioDapr.Pathways.Tests;

public sealed class PolicyStateMachineTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    [Fact]
    public void RetryBudget_CapsRetriesAtPercentOfRequestsPlusMinimum()
    {
        var budget = new RetryBudget();
        var hormones = new PathwayHormones { RetryBudgetPercent = 10, RetryBudgetMinPerSecond = 0 };
        for (var i = 0; i < 1000; i++)
        {
            budget.OnRequest(T0);
        }

        var granted = Enumerable.Range(0, 1000).Count(_ => budget.TryWithdraw(T0, hormones));

        granted.ShouldBe(100);
    }

    [Fact]
    public void RetryBudget_MinimumPerSecondAllowsRetriesWithoutTraffic()
    {
        var budget = new RetryBudget();
        var hormones = new PathwayHormones { RetryBudgetPercent = 0, RetryBudgetMinPerSecond = 2 };

        var granted = Enumerable.Range(0, 100).Count(_ => budget.TryWithdraw(T0, hormones));

        granted.ShouldBe(20, "2 per second over the 10-second window");
    }

    [Fact]
    public void RetryBudget_OldRequestsStopCountingAfterTheWindow()
    {
        var budget = new RetryBudget();
        var hormones = new PathwayHormones { RetryBudgetPercent = 50, RetryBudgetMinPerSecond = 0 };
        for (var i = 0; i < 100; i++)
        {
            budget.OnRequest(T0);
        }

        budget.TryWithdraw(T0 + TimeSpan.FromSeconds(11), hormones).ShouldBeFalse();
    }

    [Fact]
    public void Breaker_OpensAtTheFailureRatioOnlyAfterMinimumThroughput()
    {
        var breaker = new CircuitBreaker();
        var hormones = new PathwayHormones { BreakerFailureRatio = 0.5, BreakerMinThroughput = 10 };
        for (var i = 0; i < 9; i++)
        {
            breaker.TryAcquire(T0, hormones).ShouldBeTrue();
            breaker.OnResult(T0, PathwayOutcome.ServerError, hormones);
        }

        breaker.State.ShouldBe(CircuitState.Closed, "9 attempts are below the minimum throughput");
        breaker.OnResult(T0, PathwayOutcome.Timeout, hormones);
        breaker.State.ShouldBe(CircuitState.Open);
        breaker.TryAcquire(T0 + TimeSpan.FromSeconds(1), hormones).ShouldBeFalse();
    }

    [Fact]
    public void Breaker_ClientErrorsAreNotFailures()
    {
        var breaker = new CircuitBreaker();
        var hormones = new PathwayHormones { BreakerMinThroughput = 2 };
        for (var i = 0; i < 50; i++)
        {
            breaker.OnResult(T0, PathwayOutcome.ClientError, hormones);
        }

        breaker.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void Breaker_AfterBreakDuration_LetsOneProbeThroughAndClosesOnSuccess()
    {
        var breaker = OpenBreaker(out var hormones);
        var later = T0 + TimeSpan.FromMilliseconds(hormones.BreakerBreakMs);

        breaker.TryAcquire(later, hormones).ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.HalfOpen);
        breaker.TryAcquire(later, hormones).ShouldBeFalse("only one probe at a time");
        breaker.OnResult(later, PathwayOutcome.Success, hormones);

        breaker.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void Breaker_FailedProbe_ReopensForAnotherBreak()
    {
        var breaker = OpenBreaker(out var hormones);
        var later = T0 + TimeSpan.FromMilliseconds(hormones.BreakerBreakMs);
        breaker.TryAcquire(later, hormones).ShouldBeTrue();

        breaker.OnResult(later, PathwayOutcome.ServerError, hormones);

        breaker.State.ShouldBe(CircuitState.Open);
        breaker.Openings.ShouldBe(2);
    }

    [Fact]
    public void Breaker_ChangingUnrelatedHormones_KeepsItOpen()
    {
        var breaker = OpenBreaker(out var hormones);
        var changed = hormones with { TimeoutMs = 50, MaxRetries = 0, ConcurrencyLimit = 3 };

        breaker.TryAcquire(T0 + TimeSpan.FromSeconds(1), changed).ShouldBeFalse();
        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public void Breaker_ShorterBreakDurationFromAHormone_AppliesToTheOpenCircuit()
    {
        var breaker = OpenBreaker(out var hormones);

        breaker.TryAcquire(T0 + TimeSpan.FromMilliseconds(200), hormones with { BreakerBreakMs = 100 }).ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.HalfOpen);
    }

    [Fact]
    public void Breaker_Disabled_NeverRejects()
    {
        var breaker = OpenBreaker(out var hormones);

        breaker.TryAcquire(T0, hormones with { BreakerEnabled = false }).ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void Limiter_AdmitsUpToTheLimit_QueuesThenRejects()
    {
        var limiter = new ConcurrencyLimiter<object>();

        limiter.Request(new object(), limit: 2, queueLimit: 1).ShouldBe(LimiterDecision.Admitted);
        limiter.Request(new object(), limit: 2, queueLimit: 1).ShouldBe(LimiterDecision.Admitted);
        limiter.Request(new object(), limit: 2, queueLimit: 1).ShouldBe(LimiterDecision.Queued);
        limiter.Request(new object(), limit: 2, queueLimit: 1).ShouldBe(LimiterDecision.Rejected);
        limiter.InFlight.ShouldBe(2);
        limiter.Queued.ShouldBe(1);
    }

    [Fact]
    public void Limiter_TryAcquire_AdmitsOnlyAFreeSlotWithNobodyQueued()
    {
        var limiter = new ConcurrencyLimiter<string>();

        limiter.TryAcquire(limit: 2).ShouldBeTrue();
        limiter.Request("b", limit: 2, queueLimit: 5).ShouldBe(LimiterDecision.Admitted);
        limiter.TryAcquire(limit: 2).ShouldBeFalse("the limit is reached");
        limiter.Request("c", limit: 2, queueLimit: 5).ShouldBe(LimiterDecision.Queued);
        limiter.TryAcquire(limit: 5).ShouldBeFalse("a raised limit still serves the queue first");
        limiter.InFlight.ShouldBe(2);

        limiter.Release(2).ShouldBe(["c"]);
        limiter.Release(2).ShouldBeEmpty();
        limiter.Release(2).ShouldBeEmpty();
        limiter.InFlight.ShouldBe(0);
        limiter.Queued.ShouldBe(0);
    }

    [Fact]
    public void Limiter_ReleaseAdmitsQueuedCallsInOrder()
    {
        var limiter = new ConcurrencyLimiter<string>();
        limiter.Request("a", 1, 10);
        limiter.Request("b", 1, 10);
        limiter.Request("c", 1, 10);

        limiter.Release(1).ShouldBe(["b"]);
        limiter.Release(1).ShouldBe(["c"]);
        limiter.Release(1).ShouldBeEmpty();
        limiter.InFlight.ShouldBe(0);
    }

    [Fact]
    public void Limiter_RaisedLimit_DrainsTheQueue_LoweredLimit_WaitsForCallsToFinish()
    {
        var limiter = new ConcurrencyLimiter<string>();
        limiter.Request("a", 1, 10);
        limiter.Request("b", 1, 10);
        limiter.Request("c", 1, 10);

        limiter.Drain(3).ShouldBe(["b", "c"]);
        limiter.InFlight.ShouldBe(3);
        limiter.Request("d", 1, 10).ShouldBe(LimiterDecision.Queued, "the lower limit applies to new calls");
        limiter.Release(1).ShouldBeEmpty("still 2 in flight above the new limit of 1");
    }

    [Fact]
    public void Limiter_CancelledWaiter_LeavesTheQueue()
    {
        var limiter = new ConcurrencyLimiter<string>();
        limiter.Request("a", 1, 10);
        limiter.Request("b", 1, 10);

        limiter.Cancel("b").ShouldBeTrue();
        limiter.Cancel("b").ShouldBeFalse();
        limiter.Release(1).ShouldBeEmpty();
    }

    [Fact]
    public void Backoff_IsWithinTheExponentialCeiling_AndReplaysFromASeed()
    {
        var hormones = new PathwayHormones { RetryBaseDelayMs = 10, RetryMaxDelayMs = 50 };
        var first = Enumerable.Range(1, 6).Select(r => Backoff.Delay(r, hormones, new Random(7))).ToList();
        var second = Enumerable.Range(1, 6).Select(r => Backoff.Delay(r, hormones, new Random(7))).ToList();

        first.ShouldBe(second);
        first.Zip(new[] { 10, 20, 40, 50, 50, 50 }).ShouldAllBe(p => p.First.TotalMilliseconds <= p.Second);
    }

    [Fact]
    public void Hormones_Validate_NamesTheViolations()
    {
        var errors = new PathwayHormones { TimeoutMs = 0, RetryBaseDelayMs = 500, RetryMaxDelayMs = 100 }.Validate();

        errors.ShouldContain(e => e.Contains("TimeoutMs", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("RetryMaxDelayMs", StringComparison.Ordinal));
        PathwayHormones.Default.Validate().ShouldBeEmpty();
    }

    private static CircuitBreaker OpenBreaker(out PathwayHormones hormones)
    {
        hormones = new PathwayHormones { BreakerMinThroughput = 2, BreakerFailureRatio = 0.5, BreakerBreakMs = 5_000 };
        var breaker = new CircuitBreaker();
        breaker.OnResult(T0, PathwayOutcome.ServerError, hormones);
        breaker.OnResult(T0, PathwayOutcome.ServerError, hormones);
        breaker.State.ShouldBe(CircuitState.Open);
        return breaker;
    }
}
