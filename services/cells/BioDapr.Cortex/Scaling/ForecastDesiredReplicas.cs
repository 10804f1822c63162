using BioDapr.Scaling.Live;
using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Scaling;

/// <summary>
/// The desired replicas from the live scaling loop (<see cref="ForecastScaling"/>): its latest decision per cell,
/// <c>source: forecast</c> once the cell's forecaster is trained, <c>observed</c> (the reactive floor from the
/// arrivals seen) before, and the configured placeholder (<c>source: placeholder</c>) for a cell whose vitals
/// have not arrived yet.
/// </summary>
public sealed class ForecastDesiredReplicas(ForecastScaling scaling, IOptions<ScalingOptions> options) : IDesiredReplicasSource
{
    /// <inheritdoc/>
    public IReadOnlyList<string> Cells => options.Value.Cells;

    /// <inheritdoc/>
    public DesiredReplicas? Find(string appId)
    {
        if (!options.Value.Cells.Contains(appId, StringComparer.Ordinal))
        {
            return null;
        }

        return scaling.Latest(appId) is { } decision
            ? new DesiredReplicas(appId, decision.Replicas, decision.Source)
            : new DesiredReplicas(appId, options.Value.PlaceholderReplicas, PlaceholderDesiredReplicas.SourceName);
    }
}
