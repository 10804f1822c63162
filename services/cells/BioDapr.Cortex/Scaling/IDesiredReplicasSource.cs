namespace BioDapr.Cortex.Scaling;

/// <summary>
/// Where the desired replica count of a cell comes from (the forecast-driven scaling policy). Plain terms:
/// the value a KEDA <c>metrics-api</c> scale rule reads for each container app.
/// </summary>
public interface IDesiredReplicasSource
{
    /// <summary>The cells this source answers for.</summary>
    IReadOnlyList<string> Cells { get; }

    /// <summary>The desired replicas of <paramref name="appId"/>, or null when the source does not know the cell.</summary>
    DesiredReplicas? Find(string appId);
}
