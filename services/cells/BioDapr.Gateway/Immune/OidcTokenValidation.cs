using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// How the gateway checks an OpenID Connect access token (JwtBearer, scheme <see cref="Scheme"/>): the provider's discovery
/// document and keys (JWKS), fetched again at most every <see cref="ClientOidcOptions.KeyRefreshSeconds"/> when a token names
/// a key the gateway does not know (a rotation), and every <see cref="ClientOidcOptions.MetadataRefreshMinutes"/> anyway; the
/// issuer and the audience; <c>exp</c>/<c>nbf</c> within <see cref="ClientOidcOptions.ClockSkewSeconds"/>; a signature by one
/// of the provider's keys with an asymmetric algorithm (no <c>alg: none</c>, no HMAC). The client and its scopes come from the
/// token's claims (<see cref="IdentityOf"/>), the same for glewlwyd and Microsoft Entra ID.
/// </summary>
public static class OidcTokenValidation
{
    /// <summary>The JwtBearer scheme's name.</summary>
    public const string Scheme = "Oidc";

    /// <summary>The longest client id a token may carry (orders keeps client names of up to 64 characters, <c>oidc:</c> included).</summary>
    public const int MaxClientIdLength = 59;

    /// <summary>The signature algorithms accepted: asymmetric only, so a public key can never be used as an HMAC secret.</summary>
    public static IReadOnlyList<string> Algorithms { get; } =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    // Where the client id is, in order: RFC 9068 and glewlwyd, Entra v2, Entra v1, anyone.
    private static readonly string[] ClientIdClaims = ["client_id", "azp", "appid", "sub"];

    /// <summary>Sets JwtBearer up for <paramref name="oidc"/>.</summary>
    public static void Configure(JwtBearerOptions options, ClientOidcOptions oidc)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(oidc);
        options.Authority = oidc.Authority?.TrimEnd('/');
        options.Audience = oidc.Audience;
        options.RequireHttpsMetadata = !(Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority) && authority.IsLoopback);
        options.MapInboundClaims = false;
        options.SaveToken = false;
        options.IncludeErrorDetails = true;
        options.RefreshOnIssuerKeyNotFound = true;
        options.RefreshInterval = TimeSpan.FromSeconds(oidc.KeyRefreshSeconds);
        options.AutomaticRefreshInterval = TimeSpan.FromMinutes(oidc.MetadataRefreshMinutes);
        options.BackchannelTimeout = TimeSpan.FromSeconds(10);
        var parameters = options.TokenValidationParameters;
        parameters.ValidateIssuer = true;
        parameters.ValidIssuer = string.IsNullOrWhiteSpace(oidc.Issuer) ? null : oidc.Issuer;
        parameters.ValidateAudience = true;
        parameters.ValidAudience = oidc.Audience;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.ValidateIssuerSigningKey = true;
        parameters.RequireSignedTokens = true;
        parameters.ValidAlgorithms = Algorithms;
        parameters.ClockSkew = TimeSpan.FromSeconds(oidc.ClockSkewSeconds);
        parameters.NameClaimType = "client_id";
    }

    /// <summary>
    /// The client a validated token was issued to, with its scopes: the client id from <c>client_id</c> (glewlwyd, RFC 9068),
    /// <c>azp</c> (Entra v2), <c>appid</c> (Entra v1) or else <c>sub</c>; the scopes from <c>scope</c>/<c>scp</c> (space-separated)
    /// and <c>roles</c> (Entra's application permissions, which is what a client-credentials token carries). Null with a reason
    /// when the token names no usable client.
    /// </summary>
    public static ClientIdentity? IdentityOf(ClaimsPrincipal principal, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var client = ClientIdClaims.Select(type => principal.FindFirst(type)?.Value).FirstOrDefault(value => !string.IsNullOrEmpty(value));
        if (client is null)
        {
            problem = "the token names no client (client_id, azp, appid or sub)";
            return null;
        }

        if (client.Length > MaxClientIdLength || client.Any(c => c is < '!' or > '~'))
        {
            problem = $"the token's client id is longer than {MaxClientIdLength.ToString(CultureInfo.InvariantCulture)} characters or not printable ASCII";
            return null;
        }

        var scopes = principal.FindAll(c => c.Type is "scope" or "scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Concat(principal.FindAll("roles").Select(c => c.Value))
            .ToHashSet(StringComparer.Ordinal);
        problem = null;
        return new ClientIdentity("oidc:" + client) { Credential = ClientCredentialKind.AccessToken, Scopes = scopes };
    }

    /// <summary>Why a token was refused, in words a client's operator understands (never the token itself).</summary>
    public static string Describe(Exception? failure, string? token)
    {
        var header = Header(token);
        if (header is { Alg: var alg } && (string.IsNullOrEmpty(alg) || alg.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            return "the token is unsigned (alg: none)";
        }

        return failure switch
        {
            null => "the token was not accepted",
            SecurityTokenExpiredException expired => $"the token expired at {expired.Expires.ToString("O", CultureInfo.InvariantCulture)}",
            SecurityTokenNotYetValidException early => $"the token is not valid before {early.NotBefore.ToString("O", CultureInfo.InvariantCulture)}",
            SecurityTokenNoExpirationException => "the token has no expiry (exp)",
            SecurityTokenInvalidAudienceException audience => $"the token's audience '{Either(audience.InvalidAudience, header?.Audience)}' is not this gateway's",
            SecurityTokenInvalidIssuerException issuer => $"the token's issuer '{Either(issuer.InvalidIssuer, header?.Issuer)}' is not the trusted provider",
            SecurityTokenSignatureKeyNotFoundException => $"the token is signed with a key the provider does not publish (kid '{header?.Kid}')",
            SecurityTokenInvalidAlgorithmException => $"the token's algorithm '{header?.Alg}' is not accepted (only RS*, PS*, ES*)",
            SecurityTokenInvalidSignatureException => "the token's signature does not match its content (tampered or forged)",
            SecurityTokenMalformedException or ArgumentException => "the token is not a well-formed JWT",
            InvalidOperationException when failure.Message.Contains("IDX20803", StringComparison.Ordinal) => "the gateway could not fetch the provider's discovery document or keys",
            _ => $"the token was not accepted ({failure.GetType().Name})",
        };
    }

    private static string? Either(string? first, string? second) => string.IsNullOrEmpty(first) ? second : first;

    // What the token says about itself (read, not trusted): for the refusal's reason only.
    private static (string? Alg, string? Kid, string? Audience, string? Issuer)? Header(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var jwt = new JsonWebToken(token);
            return (jwt.Alg, jwt.Kid, string.Join(' ', jwt.Audiences), jwt.Issuer);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
