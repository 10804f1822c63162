using BioDapr.Pathways.Policies;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>
/// Hedging: when an attempt has not answered after <c>HedgeDelayMs</c>, start another (up to
/// <c>MaxHedges</c>, each paid from the retry budget); the first usable answer wins and the others
/// are cancelled. Off when the hormones say so, and for a call that may not be repeated.
/// </summary>
internal sealed class HedgingStrategy<T>(PathwayState state, OutcomeClassifier<T> classifier) : ResilienceStrategy<T>
{
    protected override async ValueTask<Outcome<T>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1)
    {
        var hormones = state.Hormones();
        if (!hormones.HedgingEnabled || !context.Properties.GetValue(PathwayProperties.MayRepeat, true))
        {
            return await callback(context, state1).ConfigureAwait(context.ContinueOnCapturedContext);
        }

        var callerToken = context.CancellationToken;
        using var cancelLosers = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        var attempts = new List<Task<Outcome<T>>> { RunAsync(callback, context, state1, cancelLosers.Token) };
        Outcome<T>? last = null;
        var hedges = 0;
        while (attempts.Count > 0)
        {
            Task<Outcome<T>> finished;
            if (hedges < hormones.MaxHedges)
            {
                var delay = Task.Delay(TimeSpan.FromMilliseconds(hormones.HedgeDelayMs), state.Time, cancelLosers.Token);
                var first = await Task.WhenAny(attempts.Append(delay)).ConfigureAwait(false);
                if (first == delay)
                {
                    if (!delay.IsCanceled && state.Budget.TryWithdraw(state.Now, state.Hormones()))
                    {
                        hedges++;
                        state.Vitals.AttemptStarted(isRetry: false, isHedge: true);
                        attempts.Add(RunAsync(callback, context, state1, cancelLosers.Token));
                    }
                    else
                    {
                        hedges = hormones.MaxHedges;
                    }

                    continue;
                }

                finished = (Task<Outcome<T>>)first;
            }
            else
            {
                finished = await Task.WhenAny(attempts).ConfigureAwait(false);
            }

            attempts.Remove(finished);
            last = await finished.ConfigureAwait(false);
            if (PathwayOutcomes.IsGood(classifier.Classify(last.Value, callerToken)) || attempts.Count == 0 && hedges >= hormones.MaxHedges)
            {
                break;
            }
        }

        await cancelLosers.CancelAsync().ConfigureAwait(false);
        return last!.Value;
    }

    private static async Task<Outcome<T>> RunAsync<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<T>>> callback, ResilienceContext context, TState state1, CancellationToken token)
    {
        // Each hedged attempt gets its own context so their cancellation tokens do not interfere.
        var own = ResilienceContextPool.Shared.Get(context.OperationKey, context.ContinueOnCapturedContext, token);
        try
        {
            return await callback(own, state1).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Outcome.FromException<T>(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(own);
        }
    }
}
