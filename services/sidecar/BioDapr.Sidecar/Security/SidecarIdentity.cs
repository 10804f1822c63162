namespace BioDapr.Sidecar.Security;

/// <summary>
/// Who a sidecar is, in daprd's terms: the parts of its SPIFFE ID <c>spiffe://&lt;trust domain&gt;/ns/&lt;namespace&gt;/&lt;app id&gt;</c>.
/// daprd gets it in an X.509 certificate from Sentry and proves it with mTLS; the development sidecar
/// proves it on the internal channel with the run's shared secret (<see cref="PeerAuthenticator"/>).
/// </summary>
internal sealed record SidecarIdentity(string TrustDomain, string Namespace, string AppId)
{
    /// <summary>daprd's trust domain when the Configuration's <c>accessControl</c> names none.</summary>
    public const string DefaultTrustDomain = "public";

    /// <summary>daprd's namespace when <c>NAMESPACE</c> is not set (security.CurrentNamespace).</summary>
    public const string DefaultNamespace = "default";

    /// <summary>The SPIFFE ID as a URL.</summary>
    public string SpiffeId => $"spiffe://{TrustDomain}/ns/{Namespace}/{AppId}";

    /// <summary>This sidecar's identity: the trust domain of its own access control spec, its namespace, its app id.</summary>
    public static SidecarIdentity Of(string appId, string? @namespace, AccessControlPolicy? accessControl) =>
        new(accessControl?.TrustDomain ?? DefaultTrustDomain, string.IsNullOrEmpty(@namespace) ? DefaultNamespace : @namespace, appId);
}
