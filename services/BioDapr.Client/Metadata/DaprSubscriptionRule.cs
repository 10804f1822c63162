namespace BioDapr.Client;

/// <summary>One routing rule of a subscription: a CEL match expression and the app path it routes to.</summary>
public sealed record DaprSubscriptionRule
{
    /// <summary>The CEL expression; empty for the default route.</summary>
    public string Match { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The app path.</summary>
    public string Path { get; init => field = value ?? string.Empty; } = string.Empty;
}
