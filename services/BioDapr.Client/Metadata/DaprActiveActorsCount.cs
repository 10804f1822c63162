namespace BioDapr.Client;

/// <summary>How many actors of one type are active.</summary>
public sealed record DaprActiveActorsCount
{
    /// <summary>The actor type.</summary>
    public string Type { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The number of active actors.</summary>
    public int Count { get; init; }
}
