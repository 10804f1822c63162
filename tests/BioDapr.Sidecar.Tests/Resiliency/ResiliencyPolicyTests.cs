using BioDapr.Testing;
using BioDapr.Testing.Time;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Tests.Resiliency;

public sealed class ResiliencyPolicyTests
{
    private readonly TimerRecordingTimeProvider _time = new();

    private ResiliencyPolicy Policy(RetrySettings? retry = null, TimeSpan? timeout = null, CircuitBreaker? breaker = null, int seed = 7) =>
        new("test", timeout, retry, breaker, _time, new RetryJitter(new Random(seed)), NullLogger.Instance);

    private static RetrySettings Constant(TimeSpan duration, int maxRetries, string? http = null, string? grpc = null) =>
        RetrySettings.From(new RetryPolicyDefinition(
            RetryBackoff.Constant,
            duration,
            RetryPolicyDefinition.DefaultMaxInterval,
            maxRetries,
            http is null ? null : StatusCodeSet.Parse(http, StatusCodeSet.HttpRange),
            grpc is null ? null : StatusCodeSet.Parse(grpc, StatusCodeSet.GrpcRange)));

    private static RetrySettings Exponential(TimeSpan maxInterval, int maxRetries) =>
        RetrySettings.From(new RetryPolicyDefinition(RetryBackoff.Exponential, RetryPolicyDefinition.DefaultDuration, maxInterval, maxRetries, null, null));

    // Advances the fake clock by each retry wait as soon as it is scheduled, until the execution ends.
    private async Task<T> DriveAsync<T>(Task<T> execution)
    {
        var seen = 0;
        while (true)
        {
            await Eventually.TrueAsync(() => execution.IsCompleted || _time.ScheduledDelays.Count > seen, because: "the next retry wait");
            if (execution.IsCompleted)
            {
                return await execution;
            }

            _time.Advance(_time.ScheduledDelays[seen++]);
        }
    }

    [Fact]
    public async Task ExecuteAsync_NoPolicies_RunsOnce()
    {
        var calls = 0;

        var result = await ResiliencyPolicy.None.ExecuteAsync(_ => Task.FromResult(++calls), TestContext.Current.CancellationToken);

        result.ShouldBe(1);
        ResiliencyPolicy.None.IsEmpty.ShouldBeTrue();
        ResiliencyPolicy.None.HasRetries.ShouldBeFalse();
    }

    [Fact]
    public async Task ExecuteAsync_NoRetry_FailurePropagatesUnchanged()
    {
        var failure = new InvalidOperationException("boom");

        var thrown = await Should.ThrowAsync<InvalidOperationException>(() => Policy().ExecuteAsync<int>(_ => throw failure, TestContext.Current.CancellationToken));

        thrown.ShouldBeSameAs(failure);
    }

    [Fact]
    public async Task ExecuteAsync_ConstantRetryExhausted_ThrowsLastFailureAfterEveryWait()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 3));

        var execution = policy.ExecuteAsync<int>(_ => throw new InvalidOperationException($"attempt {++calls}"), TestContext.Current.CancellationToken);
        var thrown = await Should.ThrowAsync<InvalidOperationException>(() => DriveAsync(execution));

        calls.ShouldBe(4);
        thrown.Message.ShouldBe("attempt 4");
        _time.ScheduledDelays.ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)]);
        policy.HasRetries.ShouldBeTrue();
    }

    [Fact]
    public async Task ExecuteAsync_SucceedsOnThirdAttempt_ReturnsResult()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromMilliseconds(200), 5));

        var result = await DriveAsync(policy.ExecuteAsync(
            _ => ++calls < 3 ? throw new InvalidOperationException("not yet") : Task.FromResult("done"),
            TestContext.Current.CancellationToken));

        result.ShouldBe("done");
        calls.ShouldBe(3);
        _time.ScheduledDelays.Count.ShouldBe(2);
    }

    [Fact]
    public async Task ExecuteAsync_MaxRetriesZero_RunsOnce()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 0));

        await Should.ThrowAsync<InvalidOperationException>(() => policy.ExecuteAsync<int>(_ => throw new InvalidOperationException($"{++calls}"), TestContext.Current.CancellationToken));

        calls.ShouldBe(1);
        policy.HasRetries.ShouldBeFalse();
    }

    [Fact]
    public async Task ExecuteAsync_UnlimitedRetries_KeepGoingUntilSuccess()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(5), -1));

        var result = await DriveAsync(policy.ExecuteAsync(
            _ => ++calls < 25 ? throw new InvalidOperationException() : Task.FromResult(calls),
            TestContext.Current.CancellationToken));

        result.ShouldBe(25);
    }

    [Theory]
    [InlineData(503, 3)]
    [InlineData(429, 3)]
    [InlineData(404, 1)]
    [InlineData(700, 1)]
    public async Task ExecuteAsync_HttpMatching_FiltersStatusCodes(int status, int expectedCalls)
    {
        var calls = 0;
        var payload = new object();
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 2, http: "429,500-599"));

        var execution = policy.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw new StatusCodeFailureException(status, payload);
        }, TestContext.Current.CancellationToken);
        var thrown = await Should.ThrowAsync<StatusCodeFailureException>(() => DriveAsync(execution));

        calls.ShouldBe(expectedCalls);
        thrown.StatusCode.ShouldBe(status);
        thrown.Payload.ShouldBeSameAs(payload);
    }

    [Theory]
    [InlineData(14, 3)]
    [InlineData(5, 1)]
    [InlineData(500, 3)]
    public async Task ExecuteAsync_GrpcMatching_OnlyFiltersGrpcCodes(int status, int expectedCalls)
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 2, grpc: "14"));

        var execution = policy.ExecuteAsync<int>(_ =>
        {
            calls++;
            throw new StatusCodeFailureException(status);
        }, TestContext.Current.CancellationToken);
        await Should.ThrowAsync<StatusCodeFailureException>(() => DriveAsync(execution));

        calls.ShouldBe(expectedCalls);
    }

    [Fact]
    public async Task ExecuteAsync_MatchingSet_OtherExceptionsStillRetried()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 2, http: "503"));

        var execution = policy.ExecuteAsync<int>(_ => throw new HttpRequestException($"{++calls}"), TestContext.Current.CancellationToken);
        await Should.ThrowAsync<HttpRequestException>(() => DriveAsync(execution));

        calls.ShouldBe(3);
    }

    [Fact]
    public async Task ExecuteAsync_PermanentFailure_IsNotRetried()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 5));

        await Should.ThrowAsync<PermanentFailureException>(() => policy.ExecuteAsync<int>(_ => throw new PermanentFailureException($"{++calls}"), TestContext.Current.CancellationToken));

        calls.ShouldBe(1);
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancelsDuringWait_StopsWithCancellation()
    {
        using var cancellation = new CancellationTokenSource();
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(10), -1));

        var execution = policy.ExecuteAsync<int>(_ => throw new InvalidOperationException($"{++calls}"), cancellation.Token);
        await Eventually.TrueAsync(() => _time.ScheduledDelays.Count == 1, because: "the first wait");
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => execution);
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task ExecuteAsync_OperationCancelledByCaller_IsNotRetried()
    {
        using var cancellation = new CancellationTokenSource();
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 5));

        await Should.ThrowAsync<OperationCanceledException>(() => policy.ExecuteAsync<int>(
            ct =>
            {
                calls++;
                cancellation.Cancel();
                ct.ThrowIfCancellationRequested();
                return Task.FromResult(0);
            },
            cancellation.Token));

        calls.ShouldBe(1);
    }

    [Fact]
    public async Task ExecuteAsync_CancellationNotFromCaller_IsRetried()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 1));

        var execution = policy.ExecuteAsync<int>(_ => throw new TaskCanceledException($"{++calls}"), TestContext.Current.CancellationToken);
        await Should.ThrowAsync<TaskCanceledException>(() => DriveAsync(execution));

        calls.ShouldBe(2);
    }

    [Fact]
    public async Task ExecuteAsync_Exponential_WaitsGrowWithSeededJitterAndCap()
    {
        var policy = Policy(Exponential(TimeSpan.FromSeconds(2), 6), seed: 42);

        var execution = policy.ExecuteAsync<int>(_ => throw new InvalidOperationException(), TestContext.Current.CancellationToken);
        await Should.ThrowAsync<InvalidOperationException>(() => DriveAsync(execution));

        var random = new Random(42);
        var expected = new List<TimeSpan>();
        var interval = 500.0;
        for (var i = 0; i < 6; i++)
        {
            var low = interval * 0.5;
            var high = interval * 1.5;
            // Task.Delay schedules whole milliseconds.
            expected.Add(TimeSpan.FromMilliseconds(Math.Floor(low + (random.NextDouble() * (high - low)))));
            interval = interval >= 2000 / 1.5 ? 2000 : interval * 1.5;
        }

        _time.ScheduledDelays.ShouldBe(expected);
        _time.ScheduledDelays[0].ShouldBeInRange(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(750));
        _time.ScheduledDelays[5].ShouldBeInRange(TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(3000));
    }

    [Fact]
    public async Task ExecuteAsync_ExponentialUnlimited_StopsAtFifteenMinutes()
    {
        var calls = 0;
        var policy = Policy(Exponential(TimeSpan.FromSeconds(60), -1));
        var started = _time.GetUtcNow();

        var execution = policy.ExecuteAsync<int>(_ => throw new InvalidOperationException($"{++calls}"), TestContext.Current.CancellationToken);
        await Should.ThrowAsync<InvalidOperationException>(() => DriveAsync(execution));

        (_time.GetUtcNow() - started).ShouldBeLessThanOrEqualTo(TimeSpan.FromMinutes(15));
        (_time.GetUtcNow() - started).ShouldBeGreaterThan(TimeSpan.FromMinutes(13));
        calls.ShouldBe(_time.ScheduledDelays.Count + 1);
        _time.ScheduledDelays.Max().ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task ExecuteAsync_AttemptRunsOverTimeout_ThrowsTimeoutAndCancelsToken()
    {
        var tokenCancelled = false;
        var policy = Policy(timeout: TimeSpan.FromSeconds(2));

        var execution = policy.ExecuteAsync(async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                Volatile.Write(ref tokenCancelled, true);
                throw;
            }

            return 1;
        }, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => _time.ActiveTimers == 1, because: "the timeout timer");
        _time.Advance(TimeSpan.FromSeconds(2));

        var thrown = await Should.ThrowAsync<ResiliencyTimeoutException>(() => execution);
        thrown.Timeout.ShouldBe(TimeSpan.FromSeconds(2));
        thrown.Message.ShouldContain("timed out after 2s");
        await Eventually.TrueAsync(() => Volatile.Read(ref tokenCancelled), because: "the operation to see its token cancelled");
    }

    [Fact]
    public async Task ExecuteAsync_OperationIgnoresToken_IsAbandonedAtTimeout()
    {
        var never = new TaskCompletionSource<int>();
        var policy = Policy(timeout: TimeSpan.FromMilliseconds(300));

        var execution = policy.ExecuteAsync(_ => never.Task, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => _time.ActiveTimers == 1, because: "the timeout timer");
        _time.Advance(TimeSpan.FromMilliseconds(300));

        await Should.ThrowAsync<ResiliencyTimeoutException>(() => execution);
        never.SetException(new InvalidOperationException("late failure is observed, not thrown"));
    }

    [Fact]
    public async Task ExecuteAsync_FastOperation_IsNotAffectedByTimeout()
    {
        var result = await Policy(timeout: TimeSpan.FromSeconds(1)).ExecuteAsync(_ => Task.FromResult(42), TestContext.Current.CancellationToken);

        result.ShouldBe(42);
        _time.ActiveTimers.ShouldBe(0);
    }

    [Fact]
    public async Task ExecuteAsync_TimeoutIsPerAttempt_RetrySucceedsAfterTimeout()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 3), timeout: TimeSpan.FromSeconds(5));

        var execution = policy.ExecuteAsync(async ct =>
        {
            if (++calls == 1)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            return calls;
        }, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => _time.ActiveTimers == 1, because: "the first attempt's timeout");
        _time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => _time.ScheduledDelays.Count == 2, because: "the retry wait");
        _time.Advance(TimeSpan.FromSeconds(1));

        (await execution).ShouldBe(2);
        _time.ScheduledDelays.ShouldBe([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)]);
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancelsAttemptWithTimeout_IsCancellationNotTimeout()
    {
        using var cancellation = new CancellationTokenSource();
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 3), timeout: TimeSpan.FromSeconds(5));

        var execution = policy.ExecuteAsync(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }, cancellation.Token);
        await Eventually.TrueAsync(() => _time.ActiveTimers == 1, because: "the timeout timer");
        await cancellation.CancelAsync();

        var thrown = await Should.ThrowAsync<OperationCanceledException>(() => execution);
        thrown.ShouldNotBeOfType<ResiliencyTimeoutException>();
    }

    [Fact]
    public async Task ExecuteAsync_BreakerOpens_StopsRetries()
    {
        var calls = 0;
        var breaker = new CircuitBreaker("cb", new CircuitBreakerDefinition(1, TimeSpan.Zero, TimeSpan.FromSeconds(30), null, null), _time, NullLogger.Instance);
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 20), breaker: breaker);

        var execution = policy.ExecuteAsync<int>(_ => throw new InvalidOperationException($"{++calls}"), TestContext.Current.CancellationToken);
        var thrown = await Should.ThrowAsync<CircuitBreakerOpenException>(() => DriveAsync(execution));

        calls.ShouldBe(6);
        thrown.TooManyRequests.ShouldBeFalse();
        breaker.State.ShouldBe(CircuitBreakerState.Open);
    }

    [Fact]
    public async Task ExecuteAsync_WithoutResult_RunsUnderPolicy()
    {
        var calls = 0;
        var policy = Policy(Constant(TimeSpan.FromSeconds(1), 1));

        await DriveAsync(Wrap(policy.ExecuteAsync(_ => ++calls == 1 ? throw new InvalidOperationException() : Task.CompletedTask, TestContext.Current.CancellationToken)));

        calls.ShouldBe(2);
    }

    private static async Task<bool> Wrap(Task task)
    {
        await task;
        return true;
    }
}
