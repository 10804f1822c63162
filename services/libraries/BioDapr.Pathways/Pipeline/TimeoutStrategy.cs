using System.Collections.Concurrent;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>The attempt timeout, read from the hormones at every attempt.</summary>
internal sealed class TimeoutStrategy<T>(PathwayState state) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        var callerToken = context.CancellationToken;
        var timeout = TimeoutSources.Rent(state.Hormones().Timeout, state.Time);
        // The caller's cancellation reaches the attempt through the same source (no linked source per attempt).
        var registration = callerToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), timeout);

        // The attempt runs under its own context: Polly contexts' tokens are fixed when they are rented.
        var attemptContext = ResilienceContextPool.Shared.Get(context.OperationKey, context.ContinueOnCapturedContext, timeout.Token);
        try
        {
            var outcome = await callback(attemptContext, state1).ConfigureAwait(context.ContinueOnCapturedContext);
            if (timeout.IsCancellationRequested && !callerToken.IsCancellationRequested && outcome.Exception is OperationCanceledException)
            {
                return Outcome.FromException<T>(new PathwayRejectedException(state.Name, Policies.PathwayOutcome.Timeout));
            }

            return outcome;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            return Outcome.FromException<T>(new PathwayRejectedException(state.Name, Policies.PathwayOutcome.Timeout));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(attemptContext);
            // Unregistered before the source goes back to the pool, so a late cancellation cannot reach its next user.
            registration.Dispose();
            TimeoutSources.Return(timeout, state.Time);
        }
    }
}

/// <summary>
/// Attempt-timeout sources, reused on the system clock: a new source with its timer per attempt was a large share of
/// what a pathway call allocated. A source that fired or was cancelled is not reused. Other clocks (a fake one in
/// tests) get a new source each time, timed by that clock.
/// </summary>
internal static class TimeoutSources
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<CancellationTokenSource> Pool = new();
    private static int _pooled;

    public static CancellationTokenSource Rent(TimeSpan timeout, TimeProvider time)
    {
        if (time != TimeProvider.System)
        {
            return new CancellationTokenSource(timeout, time);
        }

        if (Pool.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            source = new CancellationTokenSource();
        }

        source.CancelAfter(timeout);
        return source;
    }

    public static void Return(CancellationTokenSource source, TimeProvider time)
    {
        if (time == TimeProvider.System && source.TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooled)
            {
                Pool.Enqueue(source);
                return;
            }

            Interlocked.Decrement(ref _pooled);
        }

        source.Dispose();
    }
}
