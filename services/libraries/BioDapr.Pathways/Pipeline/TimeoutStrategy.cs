using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>The attempt timeout, read from the hormones at every attempt.</summary>
internal sealed class TimeoutStrategy<T>(PathwayState state) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        var callerToken = context.CancellationToken;
        using var timeout = new CancellationTokenSource(state.Hormones().Timeout, state.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, timeout.Token);

        // The attempt runs under its own context: Polly contexts' tokens are fixed when they are rented.
        var attemptContext = ResilienceContextPool.Shared.Get(context.OperationKey, context.ContinueOnCapturedContext, linked.Token);
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
        }
    }
}
