using BioDapr.Contracts.Vitals;
using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Pipeline;
using BioDapr.Pathways.Policies;
using BioDapr.Pathways.Vitals;
using BioDapr.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Pathways.Tests;

/// <summary>
/// The attempt timeout on a fake clock: a fresh token per attempt, the caller's cancellation passed on, the timer armed
/// only for an attempt that yields (with the time it already spent counted), and no token ever cancelled after its
/// attempt ended.
/// </summary>
public sealed class AttemptTimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(200);
    private readonly FakeTimeProvider _clock = new();
    private readonly CountingTimers _time;
    private readonly Pathway<int> _pathway;

    public AttemptTimeoutTests()
    {
        _time = new CountingTimers(_clock);
        var hormones = new PathwayHormones { TimeoutMs = (int)Limit.TotalMilliseconds, MaxRetries = 0, BreakerEnabled = false };
        var vitals = new VitalsRecorder("test", "target", VitalsKind.Pathway, _clock.GetUtcNow(), sloMs: 100);
        _pathway = new Pathway<int>(new PathwayState("target", () => hormones, _time, new Random(1), vitals), PathwayOutcomes.FromStatusCode);
    }

    [Fact]
    public async Task AttemptAnsweringSynchronously_NeverCreatesATimer()
    {
        for (var i = 0; i < 3; i++)
        {
            (await _pathway.ExecuteAsync(_ => ValueTask.FromResult(200), Ct)).Outcome.ShouldBe(PathwayOutcome.Success);
        }

        _time.Created.ShouldBe(0);
    }

    [Fact]
    public async Task PendingAttempt_TimesOutAtTheLimit_NotBefore()
    {
        CancellationToken attemptToken = default;
        var call = _pathway.ExecuteAsync(
            async ct =>
            {
                attemptToken = ct;
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return 200;
            },
            Ct).AsTask();
        await Eventually.TrueAsync(() => _time.Created == 1, because: "the attempt yielded, so its timer is armed");

        _clock.Advance(Limit - TimeSpan.FromMilliseconds(1));
        attemptToken.IsCancellationRequested.ShouldBeFalse();
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        attemptToken.IsCancellationRequested.ShouldBeTrue();
        var result = await call;
        result.Outcome.ShouldBe(PathwayOutcome.Timeout);
        result.Exception.ShouldBeOfType<PathwayRejectedException>();
    }

    [Fact]
    public async Task TimeSpentBeforeYielding_CountsAgainstTheLimit()
    {
        CancellationToken attemptToken = default;
        var call = _pathway.ExecuteAsync(
            async ct =>
            {
                attemptToken = ct;
                _clock.Advance(TimeSpan.FromMilliseconds(150)); // synchronous work before the first await
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return 200;
            },
            Ct).AsTask();
        await Eventually.TrueAsync(() => _time.Created == 1);

        _clock.Advance(TimeSpan.FromMilliseconds(49));
        attemptToken.IsCancellationRequested.ShouldBeFalse();
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        (await call).Outcome.ShouldBe(PathwayOutcome.Timeout);
    }

    [Fact]
    public async Task CallerCancellingAPendingAttempt_IsCanceled_NotATimeout()
    {
        using var caller = new CancellationTokenSource();
        var call = _pathway.ExecuteAsync(
            async ct =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return 200;
            },
            caller.Token).AsTask();
        await Eventually.TrueAsync(() => _time.Created == 1);

        await caller.CancelAsync();

        (await call).Outcome.ShouldBe(PathwayOutcome.Canceled);
        _clock.Advance(Limit * 2); // the disposed attempt's timer finds nothing to cancel
    }

    [Fact]
    public async Task CallerAlreadyCancelled_IsCanceled_AndNoAttemptRunsWithALiveToken()
    {
        using var caller = new CancellationTokenSource();
        await caller.CancelAsync();
        var ranWithLiveToken = false;

        var result = await _pathway.ExecuteAsync(
            ct =>
            {
                ranWithLiveToken |= !ct.IsCancellationRequested;
                return ValueTask.FromResult(200);
            },
            caller.Token);

        result.Outcome.ShouldBe(PathwayOutcome.Canceled);
        ranWithLiveToken.ShouldBeFalse();
    }

    [Fact]
    public async Task TokenKeptByAFinishedAttempt_IsNeverCancelledByLaterAttemptsOrTheCaller()
    {
        using var caller = new CancellationTokenSource();
        CancellationToken kept = default;
        (await _pathway.ExecuteAsync(
            ct =>
            {
                kept = ct;
                return ValueTask.FromResult(200);
            },
            caller.Token)).Outcome.ShouldBe(PathwayOutcome.Success);

        var timingOut = _pathway.ExecuteAsync(
            async ct =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return 200;
            },
            caller.Token).AsTask();
        await Eventually.TrueAsync(() => _time.Created == 1);
        _clock.Advance(Limit);
        (await timingOut).Outcome.ShouldBe(PathwayOutcome.Timeout);
        await caller.CancelAsync();

        kept.IsCancellationRequested.ShouldBeFalse("the first attempt's token belongs to it alone, also after it ended");
    }

    [Fact]
    public async Task ManyConcurrentAttempts_EachTimesOutOrAnswersOnItsOwn()
    {
        var calls = Enumerable.Range(0, 50).Select(i => _pathway.ExecuteAsync(
            async ct =>
            {
                if (i % 2 == 0)
                {
                    return 200;
                }

                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return 200;
            },
            Ct).AsTask()).ToList();
        await Eventually.TrueAsync(() => _time.Created == 25);

        _clock.Advance(Limit);
        var results = await Task.WhenAll(calls);

        results.Count(r => r.Outcome == PathwayOutcome.Success).ShouldBe(25);
        results.Count(r => r.Outcome == PathwayOutcome.Timeout).ShouldBe(25);
        _pathway.State.Limiter.InFlight.ShouldBe(0);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The fake clock, counting the timers the pipeline asks it for.
    private sealed class CountingTimers(FakeTimeProvider inner) : TimeProvider
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
