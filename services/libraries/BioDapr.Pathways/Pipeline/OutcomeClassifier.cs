using BioDapr.Pathways.Policies;
using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>Maps a Polly outcome to a <see cref="PathwayOutcome"/>; the result part is supplied by the pathway's user (e.g. HTTP status).</summary>
public sealed class OutcomeClassifier<T>(Func<T, PathwayOutcome> classifyResult)
{
    /// <summary>Classifies an outcome; <paramref name="callerToken"/> tells a caller cancellation from a timeout.</summary>
    public PathwayOutcome Classify(Outcome<T> outcome, CancellationToken callerToken) => outcome.Exception switch
    {
        null => classifyResult(outcome.Result!),
        PathwayRejectedException rejected => rejected.Reason,
        OperationCanceledException when callerToken.IsCancellationRequested => PathwayOutcome.Canceled,
        OperationCanceledException => PathwayOutcome.Timeout,
        HttpRequestException => PathwayOutcome.TransportError,
        _ => PathwayOutcome.TransportError,
    };
}
