using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using BioDapr.Gateway.Immune;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace BioDapr.Gateway.Tests;

/// <summary>The validation setup: what JwtBearer checks, how claims become a client, how refusals read, which settings start.</summary>
public sealed class OidcTokenValidationTests
{
    [Fact]
    public void Configure_ChecksIssuerAudienceLifetimeAndAsymmetricSignatures_AndRefreshesKeysOnUnknownKid()
    {
        var options = new JwtBearerOptions();

        OidcTokenValidation.Configure(options, new ClientOidcOptions { Authority = "https://login.microsoftonline.com/tenant/v2.0/", Audience = "api://biodapr", KeyRefreshSeconds = 7, ClockSkewSeconds = 10 });

        options.Authority.ShouldBe("https://login.microsoftonline.com/tenant/v2.0");
        options.RequireHttpsMetadata.ShouldBeTrue();
        options.MapInboundClaims.ShouldBeFalse();
        options.RefreshOnIssuerKeyNotFound.ShouldBeTrue();
        options.RefreshInterval.ShouldBe(TimeSpan.FromSeconds(7));
        var parameters = options.TokenValidationParameters;
        parameters.ValidateIssuer.ShouldBeTrue();
        parameters.ValidIssuer.ShouldBeNull("the discovery document's issuer");
        parameters.ValidateAudience.ShouldBeTrue();
        parameters.ValidAudience.ShouldBe("api://biodapr");
        parameters.ValidateLifetime.ShouldBeTrue();
        parameters.RequireExpirationTime.ShouldBeTrue();
        parameters.RequireSignedTokens.ShouldBeTrue();
        parameters.ClockSkew.ShouldBe(TimeSpan.FromSeconds(10));
        parameters.ValidAlgorithms.ShouldNotContain(SecurityAlgorithms.HmacSha256);
        parameters.ValidAlgorithms.ShouldNotContain("none");
        parameters.ValidAlgorithms.ShouldContain(SecurityAlgorithms.RsaSha256);
    }

    [Fact]
    public void Configure_AllowsPlainHttpMetadataOnlyOnLoopback()
    {
        var loopback = new JwtBearerOptions();
        OidcTokenValidation.Configure(loopback, new ClientOidcOptions { Authority = "http://127.0.0.1:4593/api/oidc", Audience = "a" });
        loopback.RequireHttpsMetadata.ShouldBeFalse();

        var remote = new JwtBearerOptions();
        OidcTokenValidation.Configure(remote, new ClientOidcOptions { Authority = "http://idp.example.com/api/oidc", Audience = "a" });
        remote.RequireHttpsMetadata.ShouldBeTrue();
    }

    [Fact]
    public void IdentityOf_AGlewlwydToken_IsTheClientIdWithItsSpaceSeparatedScopes()
    {
        var principal = Principal(("client_id", "machine-1"), ("sub", "machine-1"), ("scope", "orders:place orders:read"));

        var identity = OidcTokenValidation.IdentityOf(principal, out var problem);

        problem.ShouldBeNull();
        identity!.Name.ShouldBe("oidc:machine-1");
        identity.Credential.ShouldBe(ClientCredentialKind.AccessToken);
        identity.Scopes!.ShouldBe(["orders:place", "orders:read"], ignoreOrder: true);
        identity.Holds(ClientScopes.PlaceOrders).ShouldBeTrue();
    }

    [Fact]
    public void IdentityOf_AnEntraClientCredentialsToken_TakesAzpAndTheApplicationRoles()
    {
        var principal = Principal(("azp", "0b3c6f1e-5a1d-4b7e-9a52-3f0d2c1b9e77"), ("sub", "service-principal-object-id"), ("roles", "orders:read"));

        var identity = OidcTokenValidation.IdentityOf(principal, out _)!;

        identity.Name.ShouldBe("oidc:0b3c6f1e-5a1d-4b7e-9a52-3f0d2c1b9e77");
        identity.Holds(ClientScopes.ReadOrders).ShouldBeTrue();
        identity.Holds(ClientScopes.PlaceOrders).ShouldBeFalse();
    }

    [Fact]
    public void IdentityOf_RefusesATokenWithoutAUsableClient()
    {
        OidcTokenValidation.IdentityOf(Principal(("scope", "orders:read")), out var none).ShouldBeNull();
        none.ShouldNotBeNull().ShouldContain("names no client");

        OidcTokenValidation.IdentityOf(Principal(("client_id", new string('x', 60))), out var tooLong).ShouldBeNull();
        tooLong.ShouldNotBeNull().ShouldContain("longer than 59");

        OidcTokenValidation.IdentityOf(Principal(("client_id", "has space")), out var unprintable).ShouldBeNull();
        unprintable.ShouldNotBeNull().ShouldContain("printable ASCII");
    }

    [Fact]
    public void AnApiKeyClient_HoldsEveryScope_AndATokenClientOnlyItsOwn()
    {
        new ClientIdentity("shop").Holds(ClientScopes.PlaceOrders).ShouldBeTrue();
        new ClientIdentity("oidc:reader") { Scopes = new HashSet<string> { ClientScopes.ReadOrders } }.Holds(ClientScopes.PlaceOrders).ShouldBeFalse();
    }

    [Fact]
    public void Describe_NamesWhatIsWrongWithEachRefusedToken()
    {
        var expires = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        OidcTokenValidation.Describe(new SecurityTokenExpiredException("x") { Expires = expires }, null).ShouldBe("the token expired at 2026-01-02T03:04:05.0000000Z");
        OidcTokenValidation.Describe(new SecurityTokenNotYetValidException("x") { NotBefore = expires }, null).ShouldStartWith("the token is not valid before 2026-01-02");
        OidcTokenValidation.Describe(new SecurityTokenInvalidAudienceException("x") { InvalidAudience = "https://elsewhere" }, null).ShouldBe("the token's audience 'https://elsewhere' is not this gateway's");
        OidcTokenValidation.Describe(new SecurityTokenInvalidIssuerException("x") { InvalidIssuer = "https://evil" }, null).ShouldBe("the token's issuer 'https://evil' is not the trusted provider");
        OidcTokenValidation.Describe(new SecurityTokenInvalidSignatureException("x"), null).ShouldContain("tampered or forged");
        OidcTokenValidation.Describe(new SecurityTokenSignatureKeyNotFoundException("x"), "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ.e30.c2ln").ShouldContain("kid 'nope'");
        OidcTokenValidation.Describe(new SecurityTokenMalformedException("x"), "garbage").ShouldBe("the token is not a well-formed JWT");
        OidcTokenValidation.Describe(new SecurityTokenInvalidSignatureException("x"), "eyJhbGciOiJub25lIn0.e30.").ShouldBe("the token is unsigned (alg: none)");
    }

    [Theory]
    [InlineData("Oidc", null, "aud", "Gateway:Authentication:Oidc:Authority")]
    [InlineData("Both", "http://idp.example.com/oidc", "aud", "Gateway:Authentication:Oidc:Authority")]
    [InlineData("Oidc", "https://idp.example.com/oidc", "", "Gateway:Authentication:Oidc:Audience")]
    public void Options_WithTokensOn_NeedAnAuthorityAndAnAudience_AndSayWhichKey(string mode, string? authority, string audience, string key)
    {
        var options = new ClientAuthenticationOptions { Mode = Enum.Parse<ClientAuthenticationMode>(mode), Oidc = new ClientOidcOptions { Authority = authority, Audience = audience } };

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true).ShouldBeFalse();

        results.ShouldContain(r => r.ErrorMessage!.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_KeysOnly_NeedNoProvider()
    {
        var options = new ClientAuthenticationOptions();
        Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true).ShouldBeTrue();
        options.AcceptsKeys.ShouldBeTrue();
        options.AcceptsTokens.ShouldBeFalse();
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));
}
