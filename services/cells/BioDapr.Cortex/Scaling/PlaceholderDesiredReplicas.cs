using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Scaling;

/// <summary>
/// PLACEHOLDER, not a forecast: answers the configured <see cref="ScalingOptions.PlaceholderReplicas"/> (1 by
/// default) for every cell, marked <c>source: placeholder</c>, until the forecaster and the predictive policy
/// (issue 18 items 1 and 3) provide an <see cref="IDesiredReplicasSource"/>. With the default, the KEDA rule
/// that reads it never asks for more than one replica, so the HTTP and backlog rules scale as before.
/// </summary>
public sealed class PlaceholderDesiredReplicas(IOptions<ScalingOptions> options) : IDesiredReplicasSource
{
    public const string SourceName = "placeholder";

    /// <inheritdoc/>
    public IReadOnlyList<string> Cells => options.Value.Cells;

    /// <inheritdoc/>
    public DesiredReplicas? Find(string appId) =>
        options.Value.Cells.Contains(appId, StringComparer.Ordinal)
            ? new DesiredReplicas(appId, options.Value.PlaceholderReplicas, SourceName)
            : null;
}
