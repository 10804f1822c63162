namespace BioDapr.Sidecar.Components;

/// <summary>
/// What a component implementation is given at creation: its identity and its metadata with
/// <c>secretKeyRef</c> and <c>envRef</c> already resolved and templates (<c>{appID}</c>, <c>{uuid}</c>, ...)
/// already expanded. Metadata names match case-insensitively, as in Dapr.
/// </summary>
/// <param name="Name">The component name.</param>
/// <param name="Type">The component type, for example <c>state.redis</c>.</param>
/// <param name="Version">The component version.</param>
/// <param name="Properties">Resolved metadata, keyed case-insensitively.</param>
/// <param name="AppId">The app id of the sidecar that loads the component.</param>
/// <param name="SourceFile">The YAML file the component came from (for error messages).</param>
internal sealed record ComponentMetadata(
    string Name,
    string Type,
    string Version,
    IReadOnlyDictionary<string, string> Properties,
    string AppId,
    string SourceFile)
{
    /// <summary>Returns the value of <paramref name="name"/> or null when absent or empty.</summary>
    public string? Get(string name) =>
        Properties.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>Returns the value of <paramref name="name"/> or throws a <see cref="ComponentConfigurationException"/>.</summary>
    public string GetRequired(string name) =>
        Get(name) ?? throw new ComponentConfigurationException(this, $"metadata '{name}' is required");
}
