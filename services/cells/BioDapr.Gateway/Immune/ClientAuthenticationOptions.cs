using System.ComponentModel.DataAnnotations;

namespace BioDapr.Gateway.Immune;

/// <summary>How clients prove who they are (configuration section <c>Gateway:Authentication</c>), chosen per environment.</summary>
public sealed class ClientAuthenticationOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway:Authentication";

    /// <summary>Which credentials the clients' API accepts (default <see cref="ClientAuthenticationMode.Keys"/>: the secret store's API keys only).</summary>
    public ClientAuthenticationMode Mode { get; set; } = ClientAuthenticationMode.Keys;

    /// <summary>The OpenID Connect provider whose access tokens are accepted (needed when <see cref="Mode"/> is not <c>Keys</c>).</summary>
    public ClientOidcOptions Oidc { get; set; } = new();

    /// <summary>True when bearer tokens are accepted.</summary>
    public bool AcceptsTokens => Mode is ClientAuthenticationMode.Oidc or ClientAuthenticationMode.Both;

    /// <summary>True when API keys are accepted.</summary>
    public bool AcceptsKeys => Mode is ClientAuthenticationMode.Keys or ClientAuthenticationMode.Both;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Mode))
        {
            yield return new ValidationResult($"{SectionName}:Mode must be Keys, Oidc or Both.", [nameof(Mode)]);
        }

        if (!AcceptsTokens)
        {
            yield break;
        }

        if (!Uri.TryCreate(Oidc.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && !(authority.Scheme == Uri.UriSchemeHttp && authority.IsLoopback)))
        {
            yield return new ValidationResult(
                $"{SectionName}:Oidc:Authority must be the provider's issuer URL (https; http only on loopback) when {SectionName}:Mode is {Mode}; it is '{Oidc.Authority}'.",
                [nameof(Oidc)]);
        }

        if (string.IsNullOrWhiteSpace(Oidc.Audience))
        {
            yield return new ValidationResult($"{SectionName}:Oidc:Audience must name the audience the gateway's tokens are issued for when {SectionName}:Mode is {Mode}.", [nameof(Oidc)]);
        }

        foreach (var result in ValidateRanges(Oidc))
        {
            yield return result;
        }
    }

    private static IEnumerable<ValidationResult> ValidateRanges(ClientOidcOptions oidc)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(oidc, new ValidationContext(oidc), results, validateAllProperties: true);
        return results.Select(r => new ValidationResult($"{SectionName}:Oidc: {r.ErrorMessage}", r.MemberNames));
    }
}

/// <summary>Which credentials the clients' API accepts.</summary>
public enum ClientAuthenticationMode
{
    /// <summary>API keys (<c>X-Api-Key</c>) from the <c>gateway-api-keys</c> secret only.</summary>
    Keys,

    /// <summary>OpenID Connect access tokens (<c>Authorization: Bearer</c>) only.</summary>
    Oidc,

    /// <summary>Either.</summary>
    Both,
}

/// <summary>The OpenID Connect provider the gateway trusts (section <c>Gateway:Authentication:Oidc</c>).</summary>
public sealed class ClientOidcOptions
{
    /// <summary>The default for <see cref="KeyRefreshSeconds"/>.</summary>
    public const int DefaultKeyRefreshSeconds = 30;

    /// <summary>The default for <see cref="ClockSkewSeconds"/>.</summary>
    public const int DefaultClockSkewSeconds = 30;

    /// <summary>The default for <see cref="MetadataRefreshMinutes"/>.</summary>
    public const int DefaultMetadataRefreshMinutes = 60;

    /// <summary>
    /// The provider's issuer URL: its discovery document is <c>{Authority}/.well-known/openid-configuration</c> (for Microsoft
    /// Entra ID: <c>https://login.microsoftonline.com/{tenant}/v2.0</c>).
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The audience (<c>aud</c>) a token must carry: the gateway's resource identifier at the provider.</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer (<c>iss</c>) a token must carry; empty: the discovery document's <c>issuer</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// The least time between two fetches of the provider's keys caused by a token signed with a key the gateway does not know
    /// (a rotation): such a token triggers one fetch, and is accepted if the new keys hold its key.
    /// </summary>
    [Range(1, 3600)]
    public int KeyRefreshSeconds { get; set; } = DefaultKeyRefreshSeconds;

    /// <summary>How often the discovery document and keys are fetched again anyway.</summary>
    [Range(1, 24 * 60)]
    public int MetadataRefreshMinutes { get; set; } = DefaultMetadataRefreshMinutes;

    /// <summary>The tolerance for clocks when checking <c>exp</c> and <c>nbf</c>.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = DefaultClockSkewSeconds;
}
