namespace BioDapr.Cortex.Scaling;

/// <summary>The replicas a cell should run now, and what decided it.</summary>
/// <param name="AppId">The cell's Dapr app id.</param>
/// <param name="Replicas">The desired replica count (what the KEDA rule reads: <c>valueLocation: replicas</c>).</param>
/// <param name="Source">What produced the value (<c>placeholder</c> until the forecast policy is wired in).</param>
public sealed record DesiredReplicas(string AppId, int Replicas, string Source);
