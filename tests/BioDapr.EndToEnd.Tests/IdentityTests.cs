using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BioDapr.Launcher;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// Machine clients authenticate with access tokens from the organism's real OpenID Connect provider (glewlwyd, its own process):
/// client credentials, a token, an order; scopes decide the operations; every bad token is refused with 401 and its reason in
/// the gateway's log; a key rotation at the provider is picked up by the running gateway.
/// </summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task AMachineClient_WithAClientCredentialsToken_PlacesAnOrder_AndReadsOnlyItsOwnOrders()
    {
        using var http = new HttpClient();
        var machine = await organism.Identity.GetTokenAsync(Organism.MachineClient, ["orders:place", "orders:read"], Ct);
        var other = await organism.Identity.GetTokenAsync(Organism.OtherMachineClient, ["orders:place", "orders:read"], Ct);
        var reader = await organism.Identity.GetTokenAsync(Organism.ReaderClient, ["orders:read"], Ct);

        var key = "oidc-" + Guid.NewGuid().ToString("N");
        using var placed = await Eventually.ReturnsAsync(
            () => SendWithTokenAsync(http, HttpMethod.Post, "/api/orders", machine, new { customerId = "e2e", sku = "e2e-identity", quantity = 1 }, key),
            response => response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests),
            TimeSpan.FromSeconds(90),
            "the machine client's order is answered");
        placed.StatusCode.ShouldBe(HttpStatusCode.Created, await placed.Content.ReadAsStringAsync(Ct));
        var orderId = OrderId(await placed.Content.ReadAsStringAsync(Ct));

        using var own = await SendWithTokenAsync(http, HttpMethod.Get, "/api/orders/" + orderId, machine);
        using var othersView = await SendWithTokenAsync(http, HttpMethod.Get, "/api/orders/" + orderId, other);
        using var readersView = await SendWithTokenAsync(http, HttpMethod.Get, "/api/orders/" + orderId, reader);
        using var keysView = await GetOrderAsync(http, Organism.ShopApiKey, orderId);
        using var readerPlaces = await SendWithTokenAsync(http, HttpMethod.Post, "/api/orders", reader, new { customerId = "e2e", sku = "e2e-identity", quantity = 1 });

        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        othersView.StatusCode.ShouldBe(HttpStatusCode.NotFound, "another machine client's order");
        readersView.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        keysView.StatusCode.ShouldBe(HttpStatusCode.NotFound, "a token's client never passes for an API key's client");
        readerPlaces.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "orders:read does not place orders");
        readerPlaces.Headers.WwwAuthenticate.ToString().ShouldContain("insufficient_scope");
        (await readerPlaces.Content.ReadAsStringAsync(Ct)).ShouldContain("orders:place");
    }

    [Fact]
    public async Task EachBadToken_IsRefusedAtTheGateway_With401_AndItsReasonInTheGatewaysLog()
    {
        using var http = new HttpClient();
        // The gateway knows the provider's current key (another test may have rotated it).
        var genuine = await organism.Identity.GetTokenAsync(Organism.MachineClient, ["orders:read"], Ct);
        (await Eventually.ReturnsAsync(() => ReadWithTokenAsync(http, genuine), status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(60), "a genuine token is accepted")).ShouldBe(HttpStatusCode.NotFound);

        var (kid, key) = organism.Identity.SigningKey;
        var now = DateTimeOffset.UtcNow;
        using var stranger = RSA.Create(2048);
        var cases = new (string Name, string Token, string Reason)[]
        {
            ("expired", Sign(key, kid, Claims(now.AddMinutes(-20), now.AddMinutes(-10)), "RS256"), "the token expired at"),
            ("not yet valid", Sign(key, kid, Claims(now.AddMinutes(10), now.AddMinutes(20)), "RS256"), "the token is not valid before"),
            ("wrong audience", Sign(key, kid, Claims(now, now.AddMinutes(5), audience: "https://not-the-gateway.example"), "RS256"), "audience 'https://not-the-gateway.example' is not this gateway's"),
            ("wrong issuer", Sign(key, kid, Claims(now, now.AddMinutes(5), issuer: "https://impostor.example/api/oidc"), "RS256"), "issuer 'https://impostor.example/api/oidc' is not the trusted provider"),
            ("tampered", Tampered(genuine), "signature does not match its content"),
            ("alg none", Sign(null, null, Claims(now, now.AddMinutes(5)), "none"), "unsigned (alg: none)"),
            ("unknown kid", Sign(stranger, "never-published", Claims(now, now.AddMinutes(5)), "RS256"), "a key the provider does not publish (kid 'never-published')"),
        };

        using var sources = new LoopbackSources();
        foreach (var (name, token, reason) in cases)
        {
            // Each forger calls from an address of its own: the refusals of one address in a row would, rightly, have the
            // anomaly detector quarantine it (then 403, not the 401 with its reason this test reads).
            using var response = await SendWithTokenAsync(sources.From(LoopbackSources.NextAddress()), HttpMethod.Get, "/api/orders/" + new string('0', 32), token);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, name);
            response.Headers.WwwAuthenticate.ToString().ShouldContain("invalid_token", customMessage: name);
            JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain(reason, customMessage: name);
            await Eventually.TrueAsync(() => organism.Output.Contains("Refused an access token from", StringComparison.Ordinal) && organism.Output.Contains(reason, StringComparison.Ordinal), TimeSpan.FromSeconds(30), name + " is logged with its reason");
        }

        organism.Output.ShouldNotContain(genuine[..40], customMessage: "tokens are never logged");
    }

    [Fact]
    public async Task AKeyRotationAtTheProvider_IsPickedUpByTheRunningGateway()
    {
        using var http = new HttpClient();
        var before = await organism.Identity.GetTokenAsync(Organism.MachineClient, ["orders:read"], Ct);
        (await Eventually.ReturnsAsync(() => ReadWithTokenAsync(http, before), status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(60), "a token of the current key is accepted")).ShouldBe(HttpStatusCode.NotFound);
        var gateway = organism.ProcessOf("gateway");

        var kid = await organism.Identity.RotateKeyAsync(Ct);
        var after = await organism.Identity.GetTokenAsync(Organism.MachineClient, ["orders:read"], Ct);

        Encoding.UTF8.GetString(Base64Url(after.Split('.')[0])).ShouldContain(kid);
        (await Eventually.ReturnsAsync(() => ReadWithTokenAsync(http, after), status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), "a token of the new key is accepted")).ShouldBe(HttpStatusCode.NotFound);
        (await ReadWithTokenAsync(http, before)).ShouldBe(HttpStatusCode.NotFound, "the previous key stays published until its tokens expire");
        organism.ProcessOf("gateway").ShouldBe(gateway, "no restart");
    }

    // 404 for an order nobody has: the token was accepted (401 if not); 429 (another test spent the address's allowance) is retried.
    private async Task<HttpStatusCode> ReadWithTokenAsync(HttpClient http, string token)
    {
        using var response = await SendWithTokenAsync(http, HttpMethod.Get, "/api/orders/" + new string('0', 32), token);
        return response.StatusCode;
    }

    private Task<HttpResponseMessage> SendWithTokenAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, $"http://127.0.0.1:{organism.GatewayPort}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return http.SendAsync(request, Ct);
    }

    private Dictionary<string, object> Claims(DateTimeOffset notBefore, DateTimeOffset expires, string? issuer = null, string? audience = null) => new()
    {
        ["iss"] = issuer ?? organism.Identity.Issuer,
        ["aud"] = audience ?? Launcher.GlewlwydProvider.Audience,
        ["client_id"] = Organism.MachineClient,
        ["sub"] = Organism.MachineClient,
        ["scope"] = "orders:place orders:read",
        ["iat"] = notBefore.ToUnixTimeSeconds(),
        ["nbf"] = notBefore.ToUnixTimeSeconds(),
        ["exp"] = expires.ToUnixTimeSeconds(),
    };

    // A JWS by hand (RS256 with the given key, or alg none without a signature), as an attacker or a misbehaving provider would send it.
    private static string Sign(RSA? key, string? kid, Dictionary<string, object> claims, string algorithm)
    {
        var header = new Dictionary<string, string> { ["alg"] = algorithm, ["typ"] = "at+jwt" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        var signed = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        return key is null
            ? signed + "."
            : signed + "." + Base64Url(key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    // The provider's own token with more scope written into it, its signature kept.
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url(parts[1])).Replace("\"scope\":\"orders:read\"", "\"scope\":\"orders:read orders:place\"", StringComparison.Ordinal);
        payload.ShouldContain("orders:place");
        return parts[0] + "." + Base64Url(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
