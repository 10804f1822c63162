namespace BioDapr.Client;

/// <summary>A configuration-store value (a hormone's raw value) with its version and metadata.</summary>
public sealed record DaprConfigurationItem
{
    /// <summary>The value.</summary>
    public string Value { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The store's version of the value; empty when the store has none.</summary>
    public string Version { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Item metadata, empty when none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init => field = value ?? new Dictionary<string, string>(); } = new Dictionary<string, string>();
}
