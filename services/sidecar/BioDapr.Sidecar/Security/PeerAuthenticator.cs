using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BioDapr.Sidecar.Invocation;

namespace BioDapr.Sidecar.Security;

/// <summary>
/// Authenticates the sidecars of one run to each other on the internal channel (sidecar-to-sidecar
/// invocation and actor calls). daprd does this with mTLS: each daprd holds an X.509 SVID issued by Sentry
/// (<c>spiffe://&lt;trust domain&gt;/ns/&lt;namespace&gt;/&lt;app id&gt;</c>) and the callee reads the
/// caller's identity from the TLS handshake. Locally a shared per-run secret stands in for Sentry's CA
/// (<see cref="SecretVariable"/>, set by <c>run -f</c> on every sidecar and never on an app): the caller
/// signs its identity, the callee's app id and the time with HMAC-SHA256 in <see cref="CredentialHeader"/>;
/// the callee accepts a call only with a valid credential addressed to it and less than
/// <see cref="Validity"/> old, and takes the caller's identity from it, never from <c>dapr-caller-app-id</c>.
/// The same key signs the name-resolution entries, so a process that is not a sidecar of the run cannot
/// register itself as one of its apps either. Without a secret the channel is open and callers carry no
/// identity, exactly as daprd without mTLS.
/// </summary>
internal sealed class PeerAuthenticator
{
    /// <summary>The environment variable holding the run's secret (the runner sets it on sidecars only).</summary>
    public const string SecretVariable = "BIODAPR_SIDECAR_SECRET";

    /// <summary>The request header carrying the caller's signed identity.</summary>
    public const string CredentialHeader = "biodapr-sidecar-credential";

    /// <summary>How old (or how far in the future, for clock skew) a credential may be.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromMinutes(2);

    private const string Version = "v1";
    private readonly byte[]? _key;
    private readonly TimeProvider _time;

    // This sidecar's identity as it appears in its credentials, built once (every call carries it).
    private readonly string _selfPrefix;
    private readonly string _selfAudience;

    public PeerAuthenticator(string? secret, SidecarIdentity self, TimeProvider time)
    {
        _key = string.IsNullOrEmpty(secret) ? null : SHA256.HashData(Encoding.UTF8.GetBytes("biodapr internal channel\n" + secret));
        Self = self;
        _time = time;
        _selfPrefix = string.Join(' ', Version, Escape(self.TrustDomain), Escape(self.Namespace), Escape(self.AppId));
        _selfAudience = Escape(self.AppId);
    }

    /// <summary>True when the run has a secret: calls must then carry a valid credential.</summary>
    public bool Enabled => _key is not null;

    /// <summary>This sidecar's identity.</summary>
    public SidecarIdentity Self { get; }

    /// <summary>Adds this sidecar's credential for a call to <paramref name="calleeAppId"/> (nothing without a secret).</summary>
    public void Sign(HttpRequestMessage request, string calleeAppId)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Remove(CredentialHeader);
        if (_key is null)
        {
            return;
        }

        var signed = _selfPrefix + " " + _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        request.Headers.TryAddWithoutValidation(CredentialHeader, signed + " " + Mac(signed, Escape(calleeAppId)));
    }

    /// <summary>
    /// Checks a call that arrived on the internal channel. Without a secret every caller is accepted
    /// without an identity; with one, a missing, malformed, expired or forged credential, or a
    /// <c>dapr-caller-app-id</c> that contradicts it, is refused with the reason.
    /// </summary>
    public PeerAuthentication Authenticate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_key is null)
        {
            return PeerAuthentication.Anonymous;
        }

        var credential = request.Headers[CredentialHeader].ToString();
        if (credential.Length == 0)
        {
            return PeerAuthentication.Refuse("the call carries no sidecar credential: only the sidecars of this run may use the internal channel");
        }

        var parts = credential.Split(' ');
        if (parts.Length != 6 || parts[0] != Version || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var issued))
        {
            return PeerAuthentication.Refuse("the sidecar credential is malformed");
        }

        var expected = Mac(credential[..credential.LastIndexOf(' ')], _selfAudience);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[5])))
        {
            return PeerAuthentication.Refuse($"the sidecar credential is not valid for app {Self.AppId} (not signed with this run's secret, or addressed to another app)");
        }

        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(issued);
        if (age.Duration() > Validity)
        {
            return PeerAuthentication.Refuse($"the sidecar credential is {age.TotalSeconds:0} s old; at most {Validity.TotalSeconds:0} s are accepted");
        }

        var caller = new SidecarIdentity(Unescape(parts[1]), Unescape(parts[2]), Unescape(parts[3]));
        var claimed = request.Headers[InvocationHeaders.CallerAppId].ToString();
        if (claimed.Length > 0 && claimed != caller.AppId)
        {
            return PeerAuthentication.Refuse($"the call claims to come from app {claimed} but its credential is app {caller.AppId}'s");
        }

        return PeerAuthentication.Authenticated(caller);
    }

    /// <summary>The signature of a name-resolution entry (null without a secret).</summary>
    public string? SignEntry(NameResolutionEntry entry) => _key is null ? null : Mac(EntryText(entry), "entry");

    /// <summary>Whether a name-resolution entry was written by a sidecar of this run (always true without a secret).</summary>
    public bool IsGenuine(NameResolutionEntry entry) =>
        _key is null || (entry.Signature is { } signature
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(EntryText(entry), "entry")), Encoding.ASCII.GetBytes(signature)));

    private static string EntryText(NameResolutionEntry entry) => string.Join(
        ' ',
        Version,
        Escape(entry.AppId),
        entry.InternalPort.ToString(CultureInfo.InvariantCulture),
        entry.HttpPort.ToString(CultureInfo.InvariantCulture),
        entry.ProcessId.ToString(CultureInfo.InvariantCulture),
        string.Join(',', entry.ActorTypes.Select(Escape)),
        Escape(entry.InstanceId),
        entry.AppReady ? "ready" : "starting");

    // HMAC-SHA256 over the signed text and who it is for (fields never contain a space or a newline: they are escaped).
    private string Mac(string signed, string audience)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key!, Encoding.UTF8.GetBytes(signed + "\n" + audience), mac);
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static string Unescape(string value) => Uri.UnescapeDataString(value);
}

/// <summary>The result of checking a caller on the internal channel.</summary>
/// <param name="Caller">The authenticated caller; null when the channel has no secret (or the call was refused).</param>
/// <param name="Failure">Why the call is refused; null when it is accepted.</param>
internal readonly record struct PeerAuthentication(SidecarIdentity? Caller, string? Failure)
{
    public static PeerAuthentication Anonymous { get; } = new(null, null);

    public bool Refused => Failure is not null;

    public static PeerAuthentication Authenticated(SidecarIdentity caller) => new(caller, null);

    public static PeerAuthentication Refuse(string reason) => new(null, reason);
}
