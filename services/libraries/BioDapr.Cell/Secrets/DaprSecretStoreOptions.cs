namespace BioDapr.Cell.Secrets;

/// <summary>How secrets are read into configuration.</summary>
public sealed class DaprSecretStoreOptions
{
    /// <summary>The secret store component.</summary>
    public required string StoreName { get; init; }

    /// <summary>The secrets to read; empty reads the whole store (bulk).</summary>
    public IReadOnlyList<string> SecretNames { get; init; } = [];

    /// <summary>How long to wait for the sidecar (default 60 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When true, an unreachable sidecar leaves the secrets out instead of failing startup, and so does a named secret the
    /// sidecar refuses (store not configured for the app, secret absent or not granted).
    /// </summary>
    public bool Optional { get; init; }
}
