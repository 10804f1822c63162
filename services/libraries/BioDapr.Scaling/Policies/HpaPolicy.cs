namespace BioDapr.Scaling.Policies;

/// <summary>
/// The reactive baseline: the Kubernetes HPA rule on utilisation. desired = ceil(ready replicas x utilisation / target)
/// (ready = current in steady state: the documented ceil(current x current / desired metric)); no change while the
/// ratio is within the tolerance; when scaling up, replicas not yet ready count as idle (as the HPA's replica
/// calculator treats not-ready pods) and a scale-up that this reverses or brings within tolerance is skipped;
/// scale-down follows the highest recommendation of the stabilisation window; scale-up is limited to
/// max(2 x current, current + 4) per period (the default behaviour). See <see cref="HpaSettings"/>.
/// </summary>
public sealed class HpaPolicy(HpaSettings settings) : IScalingPolicy
{
    private readonly Queue<(TimeSpan At, int Replicas)> _recommendations = new();

    /// <inheritdoc />
    public string Name => "reactive-hpa";

    /// <inheritdoc />
    public TimeSpan Period => settings.Period;

    /// <inheritdoc />
    public int Decide(ScalingObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var current = Math.Max(1, observation.Replicas);
        var ready = Math.Min(observation.ReadyReplicas, current);
        var usageRatio = observation.Utilisation / settings.TargetUtilisation;
        int desired;
        if (ready == 0)
        {
            // No replica reports a metric yet: the HPA keeps the current count.
            desired = current;
        }
        else if (ready == current || usageRatio <= 1)
        {
            // Not-ready replicas are left out; within tolerance nothing changes.
            desired = Math.Abs(usageRatio - 1) <= settings.Tolerance ? current : (int)Math.Ceiling((usageRatio * ready) - 1e-9);
        }
        else
        {
            // Scaling up with replicas still starting: they count as idle; a ratio this brings within tolerance
            // or below 1 (a reversed direction) does not scale.
            var newRatio = observation.Utilisation * ready / (settings.TargetUtilisation * current);
            desired = Math.Abs(newRatio - 1) <= settings.Tolerance || newRatio < 1 ? current : (int)Math.Ceiling((newRatio * current) - 1e-9);
        }

        desired = Math.Clamp(desired, settings.MinReplicas, settings.MaxReplicas);

        // Scale-down stabilisation: the highest recommendation of the window (the current one included).
        _recommendations.Enqueue((observation.Now, desired));
        while (_recommendations.Count > 0 && observation.Now - _recommendations.Peek().At > settings.ScaleDownStabilisation)
        {
            _recommendations.Dequeue();
        }

        if (desired < current)
        {
            desired = Math.Min(current, _recommendations.Max(r => r.Replicas));
        }

        var upLimit = Math.Max(2 * current, current + 4);
        return Math.Clamp(Math.Min(desired, upLimit), settings.MinReplicas, settings.MaxReplicas);
    }
}
