using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>
/// The attempt timeout, read from the hormones at every attempt. Each attempt gets a cancellation source of its own,
/// never reused, so whatever the attempt keeps of its token stays valid. The caller's cancellation reaches it through a
/// registration (no linked source), and the timer is armed only once the attempt has yielded: an attempt that
/// completes synchronously (a cached or in-memory answer) never creates one. Time the attempt spent before yielding
/// counts against the timeout; a synchronous stretch itself cannot be interrupted (as with any cooperative
/// cancellation).
/// </summary>
internal sealed class TimeoutStrategy<T>(PathwayState state) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        var callerToken = context.CancellationToken;
        var time = state.Time;
        var limit = state.Hormones().Timeout;
        var started = time.GetTimestamp();
        using var attempt = new CancellationTokenSource();
        ITimer? timer = null;
        // Disposed before the source (declared after it), and disposing waits for a callback already running.
        using var fromCaller = callerToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), attempt);

        // The attempt runs under its own context: Polly contexts' tokens are fixed when they are rented.
        var attemptContext = ResilienceContextPool.Shared.Get(context.OperationKey, context.ContinueOnCapturedContext, attempt.Token);
        try
        {
            var pending = callback(attemptContext, state1);
            if (!pending.IsCompleted && limit != Timeout.InfiniteTimeSpan)
            {
                timer = Arm(attempt, limit - time.GetElapsedTime(started));
            }

            var outcome = await pending.ConfigureAwait(context.ContinueOnCapturedContext);
            if (TimedOut(attempt, callerToken) && outcome.Exception is OperationCanceledException)
            {
                return Outcome.FromException<T>(new PathwayRejectedException(state.Name, Policies.PathwayOutcome.Timeout));
            }

            return outcome;
        }
        catch (OperationCanceledException) when (TimedOut(attempt, callerToken))
        {
            return Outcome.FromException<T>(new PathwayRejectedException(state.Name, Policies.PathwayOutcome.Timeout));
        }
        finally
        {
            timer?.Dispose();
            ResilienceContextPool.Shared.Return(attemptContext);
        }
    }

    // Cancelled, and not by the caller: the timer did it.
    private static bool TimedOut(CancellationTokenSource attempt, CancellationToken callerToken) =>
        attempt.IsCancellationRequested && !callerToken.IsCancellationRequested;

    // On the system clock the source's own timer (disposed with it); on another clock (tests, the simulator) one of that
    // clock's timers, which may fire after the source was disposed.
    private ITimer? Arm(CancellationTokenSource attempt, TimeSpan remaining)
    {
        if (remaining < TimeSpan.Zero)
        {
            remaining = TimeSpan.Zero;
        }

        if (ReferenceEquals(state.Time, TimeProvider.System))
        {
            attempt.CancelAfter(remaining);
            return null;
        }

        return state.Time.CreateTimer(
            static source =>
            {
                try
                {
                    ((CancellationTokenSource)source!).Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The attempt ended and its source was disposed as the timer fired.
                }
            },
            attempt,
            remaining,
            Timeout.InfiniteTimeSpan);
    }
}
