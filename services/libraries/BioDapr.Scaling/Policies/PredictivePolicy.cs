namespace BioDapr.Scaling.Policies;

/// <summary>
/// Predictive scaling: replicas asked for now are ready only after the cold start, so the fleet is sized now
/// for the highest forecast arrival rate (the 80 % interval's upper bound, the 90 % quantile) of every bucket
/// between now and now + cold start + one period, through the capacity model. A reactive floor (the observed
/// rate plus the backlog to drain) covers what the forecast missed. Scale-down waits for the stabilisation
/// window, and never less than one cold start and one period: a replica removed now takes a cold start to come back,
/// so a lull shorter than that is ridden out instead of paid for again. Without a forecast it is the reactive floor alone.
/// The cold start is the observation's measured one when given (<see cref="ScalingObservation.ColdStart"/>), else the settings'.
/// </summary>
public sealed class PredictivePolicy(PredictiveSettings settings) : IScalingPolicy
{
    private readonly Queue<(TimeSpan At, int Replicas)> _recommendations = new();

    /// <inheritdoc />
    public string Name => "predictive";

    /// <inheritdoc />
    public TimeSpan Period => settings.Period;

    /// <inheritdoc />
    public int Decide(ScalingObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var floorRate = observation.ArrivalRate + (observation.Backlog / settings.BacklogDrain.TotalSeconds);
        var desired = settings.Capacity.ReplicasFor(floorRate);
        var coldStart = observation.ColdStart ?? settings.ColdStart;
        if (observation.Forecast is { } forecast && observation.Bucket > TimeSpan.Zero)
        {
            // Forecast bucket 0 started IntoBucket ago; when that is more than a bucket (its count not recorded yet), the
            // buckets already over are skipped: planning is from the bucket in progress.
            var into = observation.IntoBucket > TimeSpan.Zero ? observation.IntoBucket : TimeSpan.Zero;
            var first = (int)(into / observation.Bucket);
            var last = Math.Min(forecast.Horizon - 1, (int)((into + coldStart + settings.Period) / observation.Bucket));
            for (var k = first; k <= last; k++)
            {
                desired = Math.Max(desired, settings.Capacity.ReplicasFor(forecast.Upper[k] / observation.Bucket.TotalSeconds));
            }
        }

        desired = Math.Clamp(desired, settings.MinReplicas, settings.MaxReplicas);
        _recommendations.Enqueue((observation.Now, desired));
        var window = settings.ScaleDownStabilisation > coldStart + settings.Period ? settings.ScaleDownStabilisation : coldStart + settings.Period;
        while (_recommendations.Count > 0 && observation.Now - _recommendations.Peek().At > window)
        {
            _recommendations.Dequeue();
        }

        return desired < observation.Replicas ? Math.Min(observation.Replicas, _recommendations.Max(r => r.Replicas)) : desired;
    }
}
