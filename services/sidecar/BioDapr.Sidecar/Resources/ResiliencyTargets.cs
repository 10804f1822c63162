namespace BioDapr.Sidecar.Resources;

/// <summary>The <c>spec.targets</c> of a Resiliency document: which named policies apply to which apps, actor types and components.</summary>
internal sealed record ResiliencyTargets(
    IReadOnlyDictionary<string, AppTargetPolicies> Apps,
    IReadOnlyDictionary<string, ActorTargetPolicies> Actors,
    IReadOnlyDictionary<string, ComponentTargetPolicies> Components)
{
    /// <summary>No targets.</summary>
    public static ResiliencyTargets Empty { get; } = new(
        new Dictionary<string, AppTargetPolicies>(),
        new Dictionary<string, ActorTargetPolicies>(),
        new Dictionary<string, ComponentTargetPolicies>());
}
