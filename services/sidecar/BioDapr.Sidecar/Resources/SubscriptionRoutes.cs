namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Where a subscription delivers: the first rule whose match is true wins; otherwise <paramref name="Default"/>;
/// with neither, the message is dropped as handled. Paths are kept as written: the leading '/' that daprd
/// adds when it builds the request to the app is added at delivery time.
/// </summary>
internal sealed record SubscriptionRoutes(IReadOnlyList<RoutingRule> Rules, string? Default)
{
    /// <summary>True when there is at least one rule or a default path.</summary>
    public bool HasRoute => Rules.Count > 0 || !string.IsNullOrEmpty(Default);
}
