using BioDapr.Pathways.Policies;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>
/// Retries retryable outcomes (5xx, timeout, transport) up to <c>MaxRetries</c> with jittered
/// exponential backoff, each retry paid from the <see cref="RetryBudget"/>; every setting is read at
/// the moment of the decision. A call that may not be repeated (<see cref="PathwayProperties.MayRepeat"/>) is never retried.
/// </summary>
internal sealed class RetryStrategy<T>(PathwayState state, OutcomeClassifier<T> classifier) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        var attempt = 0;
        while (true)
        {
            state.Vitals.AttemptStarted(isRetry: attempt > 0, isHedge: false);
            PathwayProperties.SetAttempt(context.Properties, attempt + 1);
            var outcome = await callback(context, state1).ConfigureAwait(context.ContinueOnCapturedContext);
            var kind = classifier.Classify(outcome, context.CancellationToken);
            var hormones = state.Hormones();
            if (!PathwayOutcomes.IsRetryable(kind) || !context.Properties.GetValue(PathwayProperties.MayRepeat, true) || attempt >= hormones.MaxRetries || context.CancellationToken.IsCancellationRequested
                || !state.Budget.TryWithdraw(state.Now, hormones))
            {
                return outcome;
            }

            attempt++;
            if (outcome.Result is IDisposable disposable)
            {
                disposable.Dispose();
            }

            try
            {
                await Task.Delay(Backoff.Delay(attempt, hormones, state.Random), state.Time, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (OperationCanceledException ex)
            {
                return Outcome.FromException<T>(ex);
            }
        }
    }
}
