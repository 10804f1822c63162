namespace BioDapr.Sidecar.Resources;

/// <summary>
/// The merged <c>--config</c> files (a Dapr Configuration), reduced to what the development sidecar uses,
/// plus warnings for the parts it parses but does not enforce.
/// </summary>
internal sealed record SidecarConfiguration
{
    /// <summary>Features daprd 1.18 turns on unless a Configuration turns them off.</summary>
    public static readonly IReadOnlyDictionary<string, bool> DefaultFeatures = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["HotReload"] = true,
        ["WorkflowsRemoteActivityReminder"] = true,
    };

    /// <summary>The configuration without any <c>--config</c> file (tracing may still come from OTEL_* variables).</summary>
    public static SidecarConfiguration Default { get; } = new();

    /// <summary><c>spec.tracing</c>.</summary>
    public TracingSettings Tracing { get; init; } = TracingSettings.Default;

    /// <summary>Whether the API's tracing middleware is on (see <see cref="TracingSettings.Enabled"/>).</summary>
    public bool TracingEnabled => Tracing.Enabled;

    /// <summary>Feature flags after defaults: the last entry for a name wins.</summary>
    public IReadOnlyDictionary<string, bool> Features { get; init; } = DefaultFeatures;

    /// <summary><c>spec.secrets.scopes</c>, one per store.</summary>
    public IReadOnlyList<SecretsScope> SecretScopes { get; init; } = [];

    /// <summary><c>spec.accessControl</c> as written; null when absent (see <see cref="Security.AccessControlPolicy.Create"/>).</summary>
    public AccessControlSpec? AccessControl { get; init; }

    /// <summary><c>spec.metric.enabled</c> (or <c>spec.metrics.enabled</c>); true by default.</summary>
    public bool MetricsEnabled { get; init; } = true;

    /// <summary><c>spec.logging.apiLogging.enabled</c>; used when <c>--enable-api-logging</c> is not given.</summary>
    public bool ApiLoggingEnabled { get; init; }

    /// <summary><c>spec.logging.apiLogging.obfuscateURLs</c>.</summary>
    public bool ApiLoggingObfuscateUrls { get; init; }

    /// <summary><c>spec.logging.apiLogging.omitHealthChecks</c>.</summary>
    public bool ApiLoggingOmitHealthChecks { get; init; }

    /// <summary>The files merged, in order.</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = [];

    /// <summary>Settings that were read but are not enforced by the development sidecar.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when the feature is on (names are case-sensitive, as in daprd).</summary>
    public bool IsFeatureEnabled(string feature) => Features.TryGetValue(feature, out var enabled) && enabled;

    /// <summary>
    /// Whether the Secrets API may return <paramref name="secret"/> from <paramref name="store"/>: a store
    /// without a scope entry allows everything; otherwise its allow list, deny list and default access decide.
    /// </summary>
    public bool IsSecretAllowed(string store, string secret)
    {
        foreach (var scope in SecretScopes)
        {
            if (string.Equals(scope.StoreName, store, StringComparison.Ordinal))
            {
                return scope.IsSecretAllowed(secret);
            }
        }

        return true;
    }
}
