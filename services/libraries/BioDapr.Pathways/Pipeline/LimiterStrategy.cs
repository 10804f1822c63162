using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>
/// The outermost strategy: the call's vitals (start, end, latency, outcome), the retry budget's request
/// count, and the concurrency limit with its bounded queue. Rejected calls end as
/// <see cref="PathwayOutcome.Shed"/> without touching the target.
/// </summary>
internal sealed class LimiterStrategy<T>(PathwayState state, OutcomeClassifier<T> classifier) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        var started = state.Time.GetTimestamp();
        state.Vitals.CallStarted();
        state.Budget.OnRequest(state.Now);
        Outcome<T> outcome;
        var admitted = await EnterAsync(context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        if (admitted is { } rejection)
        {
            outcome = Outcome.FromException<T>(rejection);
        }
        else
        {
            try
            {
                outcome = await callback(context, state1).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            finally
            {
                Resume(state.Limiter.Release(state.Hormones().ConcurrencyLimit));
            }
        }

        state.Vitals.CallEnded(classifier.Classify(outcome, context.CancellationToken), state.Time.GetElapsedTime(started));
        return outcome;
    }

    // Null when admitted; the rejection otherwise. A free slot with nobody queued (the common case) admits synchronously,
    // without a waiter, a closure or a state machine.
    private ValueTask<Exception?> EnterAsync(CancellationToken cancellationToken)
    {
        var hormones = state.Hormones();
        return state.Limiter.TryAcquire(hormones.ConcurrencyLimit) ? default : QueueOrRejectAsync(hormones, cancellationToken);
    }

    private static void Resume(IReadOnlyList<TaskCompletionSource<bool>> admitted)
    {
        for (var i = 0; i < admitted.Count; i++)
        {
            admitted[i].TrySetResult(true);
        }
    }

    private async ValueTask<Exception?> QueueOrRejectAsync(PathwayHormones hormones, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        switch (state.Limiter.Request(waiter, hormones.ConcurrencyLimit, hormones.QueueLimit))
        {
            case LimiterDecision.Admitted:
                return null;
            case LimiterDecision.Rejected:
                return new PathwayRejectedException(state.Name, PathwayOutcome.Shed);
        }

        // A raised limit admits waiters as soon as someone looks.
        Resume(state.Limiter.Drain(hormones.ConcurrencyLimit));

        var queuedAt = state.Time.GetTimestamp();
        using var timeout = hormones.QueueTimeoutMs > 0
            ? new CancellationTokenSource(TimeSpan.FromMilliseconds(hormones.QueueTimeoutMs), state.Time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await using (linked.Token.Register(() =>
        {
            if (state.Limiter.Cancel(waiter))
            {
                waiter.TrySetResult(false);
            }
        }))
        {
            var admitted = await waiter.Task.ConfigureAwait(false);
            state.Vitals.QueueWait(state.Time.GetElapsedTime(queuedAt));
            if (admitted)
            {
                return null;
            }

            return cancellationToken.IsCancellationRequested
                ? new OperationCanceledException(cancellationToken)
                : new PathwayRejectedException(state.Name, PathwayOutcome.Shed);
        }
    }
}
