namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Everything <see cref="ResourceLoader"/> found for one app id, in load order (path, then file name,
/// then document), already filtered by <c>scopes</c>.
/// </summary>
/// <param name="Components">Components in scope.</param>
/// <param name="Subscriptions">Declarative subscriptions in scope.</param>
/// <param name="Resiliencies">Resiliency documents in scope.</param>
/// <param name="Warnings">Things worth logging that did not stop the load (skipped files, ignored documents, deprecated shapes).</param>
internal sealed record LoadedResources(
    IReadOnlyList<ComponentDefinition> Components,
    IReadOnlyList<SubscriptionDefinition> Subscriptions,
    IReadOnlyList<ResiliencyDefinition> Resiliencies,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Nothing loaded.</summary>
    public static LoadedResources Empty { get; } = new([], [], [], []);
}
