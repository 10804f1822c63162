using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Pipeline;
using BioDapr.Pathways.Policies;
using BioDapr.Pathways.Vitals;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Pathways.Tests;

/// <summary>The live Polly pipeline: every knob read at call time, state kept across hormone changes.</summary>
public sealed class PathwayPipelineTests
{
    private PathwayHormones _hormones = new() { TimeoutMs = 200, RetryBaseDelayMs = 1, RetryMaxDelayMs = 2, RetryBudgetMinPerSecond = 100 };

    [Fact]
    public async Task ServerErrorThenSuccess_IsRetried()
    {
        var pathway = Create();
        var calls = 0;

        var result = await pathway.ExecuteAsync(_ => ValueTask.FromResult(++calls < 3 ? 503 : 200), Ct);

        result.Outcome.ShouldBe(PathwayOutcome.Success);
        result.Attempts.ShouldBe(3);
        calls.ShouldBe(3);
    }

    [Fact]
    public async Task ClientError_IsNotRetried()
    {
        var pathway = Create();
        var calls = 0;

        var result = await pathway.ExecuteAsync(_ => ValueTask.FromResult(++calls == 1 ? 404 : 200), Ct);

        result.Outcome.ShouldBe(PathwayOutcome.ClientError);
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task MaxRetriesChangedBetweenCalls_AppliesToTheNextCall()
    {
        var pathway = Create();
        var calls = 0;
        await pathway.ExecuteAsync(_ => ValueTask.FromResult(Count(ref calls, 500)), Ct);
        calls.ShouldBe(3);

        _hormones = _hormones with { MaxRetries = 0 };
        calls = 0;
        await pathway.ExecuteAsync(_ => ValueTask.FromResult(Count(ref calls, 500)), Ct);

        calls.ShouldBe(1);
    }

    [Fact]
    public async Task SlowAttempt_TimesOutAndIsRetried()
    {
        _hormones = _hormones with { TimeoutMs = 30, MaxRetries = 1 };
        var pathway = Create();
        var calls = 0;

        var result = await pathway.ExecuteAsync(
            async ct =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), ct);
                }

                return 200;
            },
            Ct);

        result.Outcome.ShouldBe(PathwayOutcome.Success);
        calls.ShouldBe(2);
    }

    [Fact]
    public async Task OpenBreaker_RejectsWithoutCallingTheTarget_AndSurvivesAHormoneChange()
    {
        _hormones = _hormones with { MaxRetries = 0, BreakerMinThroughput = 4, BreakerFailureRatio = 0.5, BreakerBreakMs = 60_000 };
        var pathway = Create();
        for (var i = 0; i < 4; i++)
        {
            await pathway.ExecuteAsync(_ => ValueTask.FromResult(500), Ct);
        }

        _hormones = _hormones with { TimeoutMs = 999, MaxRetries = 3, ConcurrencyLimit = 7 };
        var calls = 0;
        var result = await pathway.ExecuteAsync(_ => ValueTask.FromResult(Count(ref calls, 200)), Ct);

        result.Outcome.ShouldBe(PathwayOutcome.BreakerOpen);
        calls.ShouldBe(0);
        pathway.State.Breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public async Task RetryBudget_CapsAmplificationWhenEverythingFails()
    {
        _hormones = _hormones with { MaxRetries = 5, RetryBudgetPercent = 10, RetryBudgetMinPerSecond = 0, BreakerEnabled = false };
        var pathway = Create();
        var attempts = 0;

        for (var i = 0; i < 500; i++)
        {
            await pathway.ExecuteAsync(_ => ValueTask.FromResult(Count(ref attempts, 503)), Ct);
        }

        ((double)attempts / 500).ShouldBeLessThanOrEqualTo(1.1 + 1e-9, "retries are capped at 10 % of requests");
        attempts.ShouldBeGreaterThan(500);
    }

    [Fact]
    public async Task FullLimiterWithoutQueue_ShedsAtOnce()
    {
        _hormones = _hormones with { ConcurrencyLimit = 1, QueueLimit = 0 };
        var pathway = Create();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = pathway.ExecuteAsync(_ => new ValueTask<int>(release.Task), Ct);

        var shed = await pathway.ExecuteAsync(_ => ValueTask.FromResult(200), Ct);

        shed.Outcome.ShouldBe(PathwayOutcome.Shed);
        release.SetResult(200);
        (await holding).Outcome.ShouldBe(PathwayOutcome.Success);
    }

    [Fact]
    public async Task QueuedCall_RunsWhenASlotFrees()
    {
        _hormones = _hormones with { ConcurrencyLimit = 1, QueueLimit = 5 };
        var pathway = Create();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = pathway.ExecuteAsync(_ => new ValueTask<int>(release.Task), Ct);
        var queued = pathway.ExecuteAsync(_ => ValueTask.FromResult(200), Ct).AsTask();
        pathway.State.Limiter.Queued.ShouldBe(1);

        release.SetResult(200);

        (await queued).Outcome.ShouldBe(PathwayOutcome.Success);
        await holding;
    }

    [Fact]
    public async Task Hedging_SlowFirstAttempt_AnswersFromTheHedge()
    {
        _hormones = _hormones with { HedgeDelayMs = 20, MaxHedges = 1, TimeoutMs = 5_000 };
        var pathway = Create();
        var calls = 0;

        var result = await pathway.ExecuteAsync(
            async ct =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), ct);
                }

                return 200;
            },
            Ct);

        result.Outcome.ShouldBe(PathwayOutcome.Success);
        calls.ShouldBe(2);
        pathway.State.Vitals.Close(DateTimeOffset.UtcNow, 1, 0).Hedges.ShouldBe(1);
    }

    [Fact]
    public async Task TransportException_IsClassifiedAndRetried()
    {
        var pathway = Create();
        var calls = 0;

        var result = await pathway.ExecuteAsync(
            _ => Interlocked.Increment(ref calls) == 1 ? throw new HttpRequestException("refused") : ValueTask.FromResult(200),
            Ct);

        result.Outcome.ShouldBe(PathwayOutcome.Success);
        calls.ShouldBe(2);
    }

    [Fact]
    public async Task Vitals_CountCallsAttemptsAndRetries()
    {
        var pathway = Create();
        var calls = 0;
        await pathway.ExecuteAsync(_ => ValueTask.FromResult(++calls < 2 ? 502 : 200), Ct);

        var window = pathway.State.Vitals.Close(DateTimeOffset.UtcNow, 1, 0);

        window.Calls.ShouldBe(1);
        window.Attempts.ShouldBe(2);
        window.Retries.ShouldBe(1);
        window.Successes.ShouldBe(1);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Count(ref int counter, int status)
    {
        Interlocked.Increment(ref counter);
        return status;
    }

    private Pathway<int> Create()
    {
        var vitals = new VitalsRecorder("test", "target", VitalsKind.Pathway, DateTimeOffset.UtcNow, sloMs: 100);
        var state = new PathwayState("target", () => _hormones, TimeProvider.System, new Random(1), vitals);
        return new Pathway<int>(state, PathwayOutcomes.FromStatusCode);
    }
}
