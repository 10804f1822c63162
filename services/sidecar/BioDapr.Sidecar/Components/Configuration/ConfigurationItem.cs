namespace BioDapr.Sidecar.Components.Configuration;

/// <summary>A configuration value with its version and metadata.</summary>
internal sealed record ConfigurationItem(string Value, string Version, IReadOnlyDictionary<string, string> Metadata);
