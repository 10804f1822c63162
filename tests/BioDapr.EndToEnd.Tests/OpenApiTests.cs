using System.Net;
using BioDapr.Launcher;
using BioDapr.Testing;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace BioDapr.EndToEnd.Tests;

/// <summary>The gateway's OpenAPI document tells the truth: the key scheme, the bounds the cells enforce, and a schema for every answer the gateway really gives.</summary>
public sealed partial class OrganismTests
{
    [Fact]
    public async Task TheOpenApiDocument_DeclaresTheKeyAndTheBounds_AndEveryRealAnswerMatchesItsSchema()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{organism.GatewayPort}/openapi/v1.json", Ct);
        var document = JsonNode.Parse(text)!.AsObject();

        var scheme = document["components"]!["securitySchemes"]!["ApiKey"]!;
        scheme["type"]!.GetValue<string>().ShouldBe("apiKey");
        scheme["in"]!.GetValue<string>().ShouldBe("header");
        scheme["name"]!.GetValue<string>().ShouldBe("X-Api-Key");
        var oidc = document["components"]!["securitySchemes"]!["OpenIdConnect"]!;
        oidc["type"]!.GetValue<string>().ShouldBe("openIdConnect");
        oidc["openIdConnectUrl"]!.GetValue<string>().ShouldBe(organism.Identity.Issuer + "/.well-known/openid-configuration");
        var place = document["paths"]!["/api/orders"]!["post"]!;
        place["security"]!.AsArray().ShouldContain(requirement => requirement!.AsObject().ContainsKey("ApiKey"));
        place["security"]!.AsArray().ShouldContain(requirement => requirement!.AsObject().ContainsKey("OpenIdConnect") && requirement["OpenIdConnect"]!.AsArray().Single()!.GetValue<string>() == "orders:place");
        document["paths"]!["/api/orders/{orderId}"]!["get"]!["security"]!.AsArray()
            .ShouldContain(requirement => requirement!.AsObject().ContainsKey("OpenIdConnect") && requirement["OpenIdConnect"]!.AsArray().Single()!.GetValue<string>() == "orders:read");
        var readerToken = await organism.Identity.GetTokenAsync(Organism.ReaderClient, ["orders:read"], Ct);
        var request = Resolve(document, place["requestBody"]!["content"]!["application/json"]!["schema"]!)["properties"]!;
        request["quantity"]!["minimum"]!.GetValue<int>().ShouldBe(1);
        request["quantity"]!["maximum"]!.GetValue<int>().ShouldBe(10_000);
        request["customerId"]!["maxLength"]!.GetValue<int>().ShouldBe(64);
        request["sku"]!["maxLength"]!.GetValue<int>().ShouldBe(64);
        request["sku"]!["pattern"].ShouldNotBeNull();

        // Real answers: accepted, invalid, unauthenticated, unknown SKU, too large, key reused with another body, a token without
        // the scope; status read and unknown. Every kind of client error within a second from one client is what a prober
        // does: the anomaly detector would, rightly, throttle it. So they come from three probe clients, each at an address of
        // its own, each with at most two errors: the owner of the order (201, 422, 200, 404), one with bad input (400, 404) and
        // one with a body too large (413); the unauthenticated call from a fourth address.
        using var sources = new LoopbackSources();
        var (owner, ownerKey) = (sources.From(LoopbackSources.NextAddress()), Organism.ProbeApiKey(8));
        var (invalid, invalidKey) = (sources.From(LoopbackSources.NextAddress()), Organism.ProbeApiKey(9));
        var (large, largeKey) = (sources.From(LoopbackSources.NextAddress()), Organism.ProbeApiKey(10));
        var anonymous = sources.From(LoopbackSources.NextAddress());
        var key = "openapi-" + Guid.NewGuid().ToString("N");
        using var accepted = await Eventually.ReturnsAsync(
            () => ThroughGatewayAsync(owner, ownerKey, quantity: 1, sku: "apple", idempotencyKey: key),
            response => response.StatusCode != HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(90),
            "the order is answered");
        var orderId = OrderId(await accepted.Content.ReadAsStringAsync(Ct));
        var answers = new List<(string Path, string Method, HttpResponseMessage Response)>
        {
            ("/api/orders", "post", accepted),
            ("/api/orders", "post", await PostRawAsync(invalid, invalidKey, """{"customerId":"c1","sku":"apple","quantity":0}""")),
            ("/api/orders", "post", await PostRawAsync(anonymous, null, """{"customerId":"c1","sku":"apple","quantity":1}""")),
            ("/api/orders", "post", await ThroughGatewayAsync(invalid, invalidKey, quantity: 1, sku: "no-such-sku")),
            ("/api/orders", "post", await PostRawAsync(large, largeKey, $$"""{"customerId":"{{new string('x', 20_000)}}","sku":"apple","quantity":1}""")),
            ("/api/orders", "post", await ThroughGatewayAsync(owner, ownerKey, quantity: 2, sku: "apple", idempotencyKey: key)),
            ("/api/orders", "post", await SendWithTokenAsync(http, HttpMethod.Post, "/api/orders", readerToken, new { customerId = "c1", sku = "apple", quantity = 1 })),
            ("/api/orders/{orderId}", "get", await GetOrderAsync(owner, ownerKey, orderId)),
            ("/api/orders/{orderId}", "get", await GetOrderAsync(owner, ownerKey, new string('0', 32))),
        };

        answers.Select(a => (int)a.Response.StatusCode).ShouldBe([201, 400, 401, 404, 413, 422, 403, 200, 404]);
        foreach (var (path, method, response) in answers)
        {
            using (response)
            {
                var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var declared = document["paths"]![path]![method]!["responses"]![status];
                declared.ShouldNotBeNull($"{method} {path} answers {status}, which the document does not declare");
                var body = await response.Content.ReadAsStringAsync(Ct);
                if (declared["content"] is not JsonObject content)
                {
                    body.ShouldBeEmpty($"{method} {path} {status} declares no body");
                    continue;
                }

                var mediaType = response.Content.Headers.ContentType!.MediaType!;
                var schema = content[mediaType]?["schema"];
                schema.ShouldNotBeNull($"{method} {path} {status} answers {mediaType}, which the document does not declare");
                var results = Schema(document, schema).Evaluate(JsonDocument.Parse(body).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
                results.IsValid.ShouldBeTrue($"{method} {path} {status}: {body} does not match its schema: {JsonSerializer.Serialize(results)}");
            }
        }
    }

    // A schema of the document (inline or a $ref into components) with the document's components beside it, so its
    // references resolve.
    private static JsonSchema Schema(JsonObject document, JsonNode schema)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["components"] = document["components"]!.DeepClone(),
            ["allOf"] = new JsonArray(schema.DeepClone()),
        };
        return JsonSchema.FromText(root.ToJsonString(), baseUri: new Uri($"https://biodapr.test/openapi/{Guid.NewGuid():N}.json"));
    }

    private static JsonNode Resolve(JsonObject document, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? reference.TrimStart('#', '/').Split('/').Aggregate((JsonNode)document, (node, segment) => node[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!)
            : schema;
}
