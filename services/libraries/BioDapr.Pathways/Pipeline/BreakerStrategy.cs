using BioDapr.Pathways.Policies;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>The circuit breaker: asks <see cref="CircuitBreaker"/> before each attempt and reports the result.</summary>
internal sealed class BreakerStrategy<T>(PathwayState state, OutcomeClassifier<T> classifier) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        if (!state.Breaker.TryAcquire(state.Now, state.Hormones()))
        {
            return Outcome.FromException<T>(new PathwayRejectedException(state.Name, PathwayOutcome.BreakerOpen));
        }

        var outcome = await callback(context, state1).ConfigureAwait(context.ContinueOnCapturedContext);
        state.Breaker.OnResult(state.Now, classifier.Classify(outcome, context.CancellationToken), state.Hormones());
        return outcome;
    }
}
