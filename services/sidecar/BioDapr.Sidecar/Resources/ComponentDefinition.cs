namespace BioDapr.Sidecar.Resources;

/// <summary>A <c>kind: Component</c> document (<c>dapr.io/v1alpha1</c>) as loaded from a resources path.</summary>
/// <param name="Name"><c>metadata.name</c>, unique among the loaded components.</param>
/// <param name="Type"><c>spec.type</c> in <c>&lt;building block&gt;.&lt;name&gt;</c> form, such as <c>state.redis</c>.</param>
/// <param name="Version"><c>spec.version</c>, such as <c>v1</c>.</param>
/// <param name="IgnoreErrors"><c>spec.ignoreErrors</c>: an initialisation failure is logged instead of stopping the sidecar.</param>
/// <param name="InitTimeout"><c>spec.initTimeout</c>; 5 s when absent or not a valid Go duration.</param>
/// <param name="Metadata"><c>spec.metadata</c> in file order.</param>
/// <param name="AuthSecretStore"><c>auth.secretStore</c>, the store that resolves <c>secretKeyRef</c> values.</param>
/// <param name="Scopes">App ids allowed to load the component; empty means every app.</param>
/// <param name="SourceFile">The file the document came from.</param>
internal sealed record ComponentDefinition(
    string Name,
    string Type,
    string Version,
    bool IgnoreErrors,
    TimeSpan InitTimeout,
    IReadOnlyList<ComponentMetadataItem> Metadata,
    string? AuthSecretStore,
    IReadOnlyList<string> Scopes,
    string SourceFile)
{
    /// <summary>The default <see cref="InitTimeout"/>.</summary>
    public static readonly TimeSpan DefaultInitTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The building block: the part of <see cref="Type"/> before the first dot (<c>state</c>, <c>pubsub</c>, ...).</summary>
    public string BuildingBlock => Type[..Type.IndexOf('.', StringComparison.Ordinal)];
}
