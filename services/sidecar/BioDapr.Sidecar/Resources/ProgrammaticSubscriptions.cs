namespace BioDapr.Sidecar.Resources;

/// <summary>The subscriptions an app returned from <c>GET /dapr/subscribe</c>, and what was dropped or looked odd.</summary>
internal sealed record ProgrammaticSubscriptions(IReadOnlyList<SubscriptionDefinition> Subscriptions, IReadOnlyList<string> Warnings)
{
    /// <summary>No subscriptions (the app answered 404 or an empty body).</summary>
    public static ProgrammaticSubscriptions Empty { get; } = new([], []);
}
