using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// The resiliency policy of one target (an app endpoint, an actor, a component direction or a built-in
/// scenario): an optional per-attempt timeout, retry and circuit breaker, nested as daprd nests them:
/// retry( circuit breaker( timeout( operation ))).
/// <list type="bullet">
/// <item>The timeout applies to each attempt; an attempt that runs over fails with
/// <see cref="ResiliencyTimeoutException"/> (the operation's token is cancelled; an operation that ignores it is
/// abandoned and its eventual failure only logged).</item>
/// <item>A <see cref="StatusCodeFailureException"/> is retried when the retry's <c>matching</c> list includes its
/// code (no list: every code); any other exception is retried, except <see cref="PermanentFailureException"/>,
/// <see cref="CircuitBreakerOpenException"/> and cancellation through the caller's token.</item>
/// <item>When retries run out, the last exception propagates unchanged.</item>
/// </list>
/// </summary>
internal sealed class ResiliencyPolicy
{
    private readonly TimeProvider _timeProvider;
    private readonly RetryJitter _jitter;
    private readonly ILogger _logger;

    public ResiliencyPolicy(
        string name,
        TimeSpan? timeout,
        RetrySettings? retry,
        CircuitBreaker? circuitBreaker,
        TimeProvider timeProvider,
        RetryJitter jitter,
        ILogger logger)
    {
        Name = name;
        Timeout = timeout > TimeSpan.Zero ? timeout : null;
        Retry = retry;
        CircuitBreaker = circuitBreaker;
        _timeProvider = timeProvider;
        _jitter = jitter;
        _logger = logger;
    }

    /// <summary>A policy that runs the operation once, as it is.</summary>
    public static ResiliencyPolicy None { get; } = new("none", null, null, null, TimeProvider.System, new RetryJitter(new Random(0)), NullLogger.Instance);

    /// <summary>Describes the target for logs, such as <c>endpoint[orders, orders:checkout]</c>.</summary>
    public string Name { get; }

    /// <summary>The per-attempt timeout, or null.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>The retry settings, or null.</summary>
    public RetrySettings? Retry { get; }

    /// <summary>The shared circuit breaker, or null.</summary>
    public CircuitBreaker? CircuitBreaker { get; }

    /// <summary>True when the policy may run the operation more than once (callers must then be able to replay the request).</summary>
    public bool HasRetries => Retry is { HasRetries: true };

    /// <summary>True when the policy does nothing.</summary>
    public bool IsEmpty => Timeout is null && Retry is null && CircuitBreaker is null;

    /// <summary>Runs <paramref name="operation"/> under the policy.</summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (Retry is null)
        {
            return await ExecuteAttemptAsync(operation, cancellationToken);
        }

        var backoff = new RetryBackoffSequence(Retry, _timeProvider, _jitter);
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            try
            {
                var result = await ExecuteAttemptAsync(operation, cancellationToken);
                if (attempt > 1)
                {
                    ResiliencyLog.Recovered(_logger, Name, attempt);
                }

                return result;
            }
            catch (Exception e) when (IsRetriable(e, cancellationToken) && backoff.Next() is { } next)
            {
                // Anything not caught here (not retriable, or no attempt left) propagates unchanged.
                delay = next;
                if (attempt == 1)
                {
                    ResiliencyLog.Retrying(_logger, Name, delay, e.Message);
                }
                else
                {
                    ResiliencyLog.RetryingAgain(_logger, Name, attempt, delay, e.Message);
                }
            }

            await Task.Delay(delay, _timeProvider, cancellationToken);
        }
    }

    /// <summary>Runs an operation without a result under the policy.</summary>
    public Task ExecuteAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return ExecuteAsync<bool>(
            async ct =>
            {
                await operation(ct);
                return true;
            },
            cancellationToken);
    }

    private bool IsRetriable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => false,
        CircuitBreakerOpenException or PermanentFailureException => false,
        StatusCodeFailureException failure => Retry!.ShouldRetryStatus(failure.StatusCode),
        _ => true,
    };

    private async Task<T> ExecuteAttemptAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (CircuitBreaker is null)
        {
            return await ExecuteWithTimeoutAsync(operation, cancellationToken);
        }

        var generation = CircuitBreaker.BeforeRequest();
        var success = false;
        try
        {
            var result = await ExecuteWithTimeoutAsync(operation, cancellationToken);
            success = true;
            return result;
        }
        finally
        {
            CircuitBreaker.AfterRequest(generation, success);
        }
    }

    private async Task<T> ExecuteWithTimeoutAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (Timeout is not { } timeout)
        {
            return await operation(cancellationToken);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        Task<T>? attempt = null;
        try
        {
            attempt = operation(linked.Token);
            return await attempt.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (attempt is { IsCompleted: false })
            {
                ObserveAbandoned(attempt);
            }

            throw new ResiliencyTimeoutException(Name, timeout);
        }
    }

    // The timed-out attempt may still finish later; its failure is logged so it never goes unobserved.
    private void ObserveAbandoned(Task attempt) =>
        _ = attempt.ContinueWith(
            static (task, state) =>
            {
                var (logger, name) = ((ILogger, string))state!;
                ResiliencyLog.AbandonedAttemptFailed(logger, name, task.Exception);
            },
            (_logger, Name),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
