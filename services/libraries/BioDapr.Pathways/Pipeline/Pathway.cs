using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>
/// One synaptic pathway: a Polly v8 pipeline (limiter → retry → hedging → breaker → attempt timeout)
/// built once from custom strategies that read the pathway's hormones at every decision. Changing a
/// hormone therefore applies to the next call and keeps the breaker, budget and limiter state.
/// </summary>
/// <typeparam name="T">The result of one attempt (for HTTP: the response message).</typeparam>
public sealed class Pathway<T>
{
    private readonly ResiliencePipeline<T> _pipeline;
    private readonly OutcomeClassifier<T> _classifier;

    /// <summary>Builds the pipeline for <paramref name="state"/>; <paramref name="classifyResult"/> tells how an attempt's result ended (for HTTP: by status code).</summary>
    public Pathway(PathwayState state, Func<T, PathwayOutcome> classifyResult)
    {
        ArgumentNullException.ThrowIfNull(state);
        State = state;
        _classifier = new OutcomeClassifier<T>(classifyResult);
        _pipeline = new ResiliencePipelineBuilder<T> { TimeProvider = state.Time }
            .AddStrategy(_ => new LimiterStrategy<T>(state, _classifier), new EmptyOptions())
            .AddStrategy(_ => new RetryStrategy<T>(state, _classifier), new EmptyOptions())
            .AddStrategy(_ => new HedgingStrategy<T>(state, _classifier), new EmptyOptions())
            .AddStrategy(_ => new BreakerStrategy<T>(state, _classifier), new EmptyOptions())
            .AddStrategy(_ => new TimeoutStrategy<T>(state), new EmptyOptions())
            .Build();
    }

    /// <summary>The pathway's name, hormones, state machines and vitals.</summary>
    public PathwayState State { get; }

    /// <summary>The hormones in effect now.</summary>
    public PathwayHormones Hormones => State.Hormones();

    /// <summary>
    /// Runs one call. <paramref name="attempt"/> is invoked once per attempt (retries and hedges create
    /// new attempts) with a token that carries the attempt timeout. Never throws for pathway outcomes:
    /// the result says how the call ended.
    /// </summary>
    public ValueTask<PathwayResult<T>> ExecuteAsync(Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken) =>
        ExecuteAsync(attempt, mayRepeat: true, cancellationToken);

    /// <summary>
    /// Runs one call; with <paramref name="mayRepeat"/> false it is sent at most once (no retry, no hedge),
    /// because sending it again could act twice. The limiter, breaker and timeout still apply.
    /// </summary>
    public async ValueTask<PathwayResult<T>> ExecuteAsync(Func<CancellationToken, ValueTask<T>> attempt, bool mayRepeat, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(State.Name, continueOnCapturedContext: false, cancellationToken);
        PathwayProperties.SetMayRepeat(context.Properties, mayRepeat);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, call) =>
                {
                    try
                    {
                        return Outcome.FromResult(await call(ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        return Outcome.FromException<T>(ex);
                    }
                },
                context,
                attempt).ConfigureAwait(false);
            var attempts = context.Properties.GetValue(PathwayProperties.Attempt, 1);
            return new PathwayResult<T>(_classifier.Classify(outcome, cancellationToken), outcome.Result, outcome.Exception, attempts);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private sealed class EmptyOptions : ResilienceStrategyOptions;
}
