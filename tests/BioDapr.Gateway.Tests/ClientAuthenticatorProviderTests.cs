using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using BioDapr.Gateway.Immune;
using BioDapr.Launcher;
using BioDapr.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BioDapr.Gateway.Tests;

/// <summary>A real glewlwyd process, started once for the class, with a machine client holding both scopes and one holding orders:read.</summary>
public sealed class ProviderFixture : IAsyncLifetime
{
    /// <summary>The provider.</summary>
    public GlewlwydProvider Provider { get; } = new()
    {
        Clients = { ["machine"] = ["orders:place", "orders:read"], ["reader"] = ["orders:read"] },
    };

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(Provider.StartAsync(TestContext.Current.CancellationToken));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Provider.DisposeAsync();
}

/// <summary>
/// The gateway's identity seam (<see cref="ClientAuthenticator"/> with the gateway's own registration) against a real OpenID
/// Connect provider process: client credentials give a token that names the client and its scopes; every kind of bad token is
/// refused with its reason logged; a key rotation at the provider is picked up without a restart.
/// </summary>
public sealed class ClientAuthenticatorProviderTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>, IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly List<WebApplication> _hosts = [];

    private GlewlwydProvider Provider => fixture.Provider;

    [Fact]
    public async Task ClientCredentials_GiveATokenTheGatewayAccepts_WithTheClientAndItsScopes()
    {
        var (http, _) = await StartAsync();

        var machine = await WhoAsync(http, await Provider.GetTokenAsync("machine", ["orders:place", "orders:read"], Ct));
        var reader = await WhoAsync(http, await Provider.GetTokenAsync("reader", ["orders:read"], Ct));

        machine.ShouldBe("200 oidc:machine orders:place orders:read");
        reader.ShouldBe("200 oidc:reader orders:read");
    }

    [Fact]
    public async Task TheProvider_GrantsNoScopeTheClientDoesNotHold()
    {
        var token = await Provider.GetTokenAsync("reader", ["orders:place", "orders:read"], Ct);
        var (http, _) = await StartAsync();

        (await WhoAsync(http, token)).ShouldBe("200 oidc:reader orders:read");
    }

    [Fact]
    public async Task EachBadToken_IsRefused_WithItsReasonInTheLog()
    {
        var (http, logs) = await StartAsync();
        var (kid, key) = Provider.SigningKey;
        var now = DateTime.UtcNow;
        var good = await Provider.GetTokenAsync("machine", ["orders:place"], Ct);
        var cases = new (string Name, string Token, string Reason)[]
        {
            ("expired", Sign(key, kid, now.AddMinutes(-20), now.AddMinutes(-10)), "the token expired at"),
            ("not yet valid", Sign(key, kid, now.AddMinutes(10), now.AddMinutes(20)), "the token is not valid before"),
            ("wrong audience", Sign(key, kid, now, now.AddMinutes(5), audience: "https://someone-else.example"), "audience 'https://someone-else.example' is not this gateway's"),
            ("wrong issuer", Sign(key, kid, now, now.AddMinutes(5), issuer: "https://impostor.example/api/oidc"), "issuer 'https://impostor.example/api/oidc' is not the trusted provider"),
            ("tampered", Tamper(good), "signature does not match its content"),
            ("alg none", Unsigned(now), "unsigned (alg: none)"),
            ("unknown kid", Sign(RSA.Create(2048), "not-published", now, now.AddMinutes(5)), "a key the provider does not publish (kid 'not-published')"),
            ("garbage", "not-a-jwt", "not a well-formed JWT"),
        };

        foreach (var (name, token, reason) in cases)
        {
            var answer = await WhoAsync(http, token);
            answer.ShouldStartWith("401", customMessage: name);
            answer.ShouldContain(reason, customMessage: name);
            logs.GetSnapshot().ShouldContain(r => r.Level == LogLevel.Warning && r.Message.Contains("Refused an access token", StringComparison.Ordinal) && r.Message.Contains(reason, StringComparison.Ordinal), name);
        }

        logs.GetSnapshot().ShouldNotContain(r => r.Message.Contains(good, StringComparison.Ordinal), "a token is never logged");
        (await WhoAsync(http, good)).ShouldStartWith("200", customMessage: "the genuine token still passes");
    }

    [Fact]
    public async Task AKeyRotationAtTheProvider_IsPickedUpWithoutRestart_AndTokensOfTheOldKeyStayValid()
    {
        var (http, _) = await StartAsync();
        var before = await Provider.GetTokenAsync("machine", ["orders:read"], Ct);
        (await WhoAsync(http, before)).ShouldStartWith("200");

        var kid = await Provider.RotateKeyAsync(Ct);
        var after = await Provider.GetTokenAsync("machine", ["orders:read"], Ct);
        new JsonWebToken(after).Kid.ShouldBe(kid);

        await Eventually.ReturnsAsync(() => WhoAsync(http, after), answer => answer.StartsWith("200", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "a token signed by the new key is accepted");
        (await WhoAsync(http, before)).ShouldStartWith("200", customMessage: "the previous key stays published");
    }

    [Fact]
    public async Task KeysOnly_RefusesBearerTokens_AndOidcOnly_RefusesApiKeys()
    {
        var token = await Provider.GetTokenAsync("machine", ["orders:read"], Ct);
        var (keysOnly, _) = await StartAsync("Keys");
        var (tokensOnly, _) = await StartAsync("Oidc");

        (await WhoAsync(keysOnly, token)).ShouldBe("401 This gateway does not accept bearer tokens; send the client's X-Api-Key.");
        (await WhoAsync(keysOnly, null, "shop-key")).ShouldBe("200 shop *");
        (await WhoAsync(tokensOnly, null, "shop-key")).ShouldStartWith("401 An access token is required");
        (await WhoAsync(tokensOnly, token)).ShouldStartWith("200 oidc:machine");
        (await WhoAsync(tokensOnly, null, null, "Basic bWFjaGluZTpzZWNyZXQ=")).ShouldBe("401 Only bearer tokens are accepted in the Authorization header.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    // The gateway's registration of the clients' authentication, on a test server, behind one endpoint that says who called.
    private async Task<(HttpClient Http, FakeLogCollector Logs)> StartAsync(string mode = "Both")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ClientKeys.SecretName] = "shop=shop-key",
            ["Gateway:Authentication:Mode"] = mode,
            ["Gateway:Authentication:Oidc:Authority"] = Provider.Issuer,
            ["Gateway:Authentication:Oidc:Audience"] = GlewlwydProvider.Audience,
            ["Gateway:Authentication:Oidc:KeyRefreshSeconds"] = "1",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddFakeLogging();
        builder.Services.AddClientAuthentication(builder.Configuration);
        var app = builder.Build();
        app.MapGet("/who", async (HttpContext context, ClientAuthenticator authenticator) =>
        {
            var outcome = await authenticator.AuthenticateAsync(context);
            return outcome.Identity is { } identity
                ? Results.Text($"200 {identity.Name} {(identity.Scopes is null ? "*" : string.Join(' ', identity.Scopes.Order(StringComparer.Ordinal)))}")
                : Results.Text("401 " + outcome.Failure, statusCode: 401);
        });
        await app.StartAsync(Ct);
        _hosts.Add(app);
        return (app.GetTestClient(), app.Services.GetFakeLogCollector());
    }

    private static async Task<string> WhoAsync(HttpClient http, string? token, string? apiKey = null, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/who");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        using var response = await http.SendAsync(request, Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    // A token signed with the provider's own key (or another), as the provider would issue it but for the given times, issuer, audience.
    private string Sign(RSA key, string kid, DateTime notBefore, DateTime expires, string? issuer = null, string? audience = null) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Provider.Issuer,
            Audience = audience ?? GlewlwydProvider.Audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            Subject = new ClaimsIdentity([new Claim("client_id", "machine"), new Claim("scope", "orders:place orders:read")]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
        });

    // The provider's token with its payload changed (another client, more scopes) and its signature kept.
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"scope\":\"orders:place\"", "\"scope\":\"orders:place orders:read admin\"", StringComparison.Ordinal);
        payload.ShouldContain("admin");
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    private string Unsigned(DateTime now)
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Provider.Issuer,
            ["aud"] = GlewlwydProvider.Audience,
            ["client_id"] = "machine",
            ["scope"] = "orders:place",
            ["nbf"] = new DateTimeOffset(now).ToUnixTimeSeconds(),
            ["exp"] = new DateTimeOffset(now.AddMinutes(5)).ToUnixTimeSeconds(),
        }));
        return header + "." + payload + ".";
    }
}
