using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>The secrets API, secret scopes, and DAPR_API_TOKEN enforcement.</summary>
public sealed class SecretsAndTokenTests
{
    private const string SecretsJson = """{"db":{"password":"s3cret"},"api-key":"k","denied":"no"}""";

    [Fact]
    public async Task GetSecret_FromFileStore_ReturnsFlattenedKey()
    {
        await using var sidecar = await StartAsync();

        using var response = await sidecar.Client.GetAsync("/v1.0/secrets/files/db:password", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        json.RootElement.GetProperty("db:password").GetString().ShouldBe("s3cret");
    }

    [Fact]
    public async Task GetSecret_DeniedByScope_Returns403()
    {
        await using var sidecar = await StartAsync();

        using var response = await sidecar.Client.GetAsync("/v1.0/secrets/files/denied", TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.Forbidden, "ERR_PERMISSION_DENIED");
    }

    [Fact]
    public async Task BulkSecrets_LeaveOutDeniedSecrets()
    {
        await using var sidecar = await StartAsync();

        using var response = await sidecar.Client.GetAsync("/v1.0/secrets/files/bulk", TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        json.RootElement.EnumerateObject().Select(p => p.Name).Order().ShouldBe(["api-key", "db:password"]);
    }

    [Fact]
    public async Task UnknownSecretStore_Returns401()
    {
        await using var sidecar = await StartAsync();

        using var response = await sidecar.Client.GetAsync("/v1.0/secrets/nope/x", TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.Unauthorized, "ERR_SECRET_STORE_NOT_FOUND");
    }

    [Fact]
    public async Task MissingSecret_Returns500SecretGet()
    {
        await using var sidecar = await StartAsync();

        using var response = await sidecar.Client.GetAsync("/v1.0/secrets/files/api-key-missing", TestContext.Current.CancellationToken);

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_SECRET_GET");
        body.ShouldContain("api-key-missing");
    }

    [Fact]
    public async Task ApiToken_MissingOrWrong_Returns401TextPlain()
    {
        await using var sidecar = await StartAsync(apiToken: "letmein");

        using var missing = await sidecar.Client.GetAsync("/v1.0/metadata", TestContext.Current.CancellationToken);
        using var wrong = await SendAsync(sidecar, HttpMethod.Get, "/v1.0/metadata", "nope");

        foreach (var response in new[] { missing, wrong })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
            (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldBe("invalid api token\n");
        }
    }

    [Fact]
    public async Task ApiToken_Correct_IsAccepted()
    {
        await using var sidecar = await StartAsync(apiToken: "letmein");

        using var response = await SendAsync(sidecar, HttpMethod.Get, "/v1.0/metadata", "letmein");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/v1.0/healthz")]
    [InlineData("/v1.0/healthz/outbound")]
    public async Task ApiToken_HealthEndpoints_AreExempt(string path)
    {
        await using var sidecar = await StartAsync(apiToken: "letmein");

        using var response = await sidecar.Client.GetAsync(path, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task ApiToken_HealthzWithPost_IsNotExempt()
    {
        await using var sidecar = await StartAsync(apiToken: "letmein");

        using var response = await sidecar.Client.PostAsync("/v1.0/healthz", new StringContent(string.Empty), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Metadata_ReportsComponentsAndExtendedMetadata()
    {
        await using var sidecar = await StartAsync();
        using var put = await sidecar.Client.PutAsync("/v1.0/metadata/cell", new StringContent("orders", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);
        put.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var response = await sidecar.Client.GetAsync("/v1.0/metadata", TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        json.RootElement.GetProperty("id").GetString().ShouldBe("secrets-app");
        json.RootElement.GetProperty("extended").GetProperty("cell").GetString().ShouldBe("orders");
        json.RootElement.GetProperty("extended").GetProperty("daprRuntimeVersion").GetString().ShouldNotBeNullOrEmpty();
        var component = json.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "statestore");
        component.GetProperty("type").GetString().ShouldBe("state.in-memory");
        component.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ShouldContain("ACTOR");
    }

    [Fact]
    public async Task UnknownRoute_WithoutAppId_Returns404DirectInvoke()
    {
        await using var sidecar = await StartAsync();

        using var response = await sidecar.Client.GetAsync("/v1.0/nothing/here", TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.NotFound, "ERR_DIRECT_INVOKE");
    }

    private static Task<TestSidecar> StartAsync(string? apiToken = null)
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-secrets-").FullName;
        var secretsFile = Path.Combine(directory, "secrets.json");
        File.WriteAllText(secretsFile, SecretsJson);
        return TestSidecar.StartAsync(
            "secrets-app",
            new Dictionary<string, string>
            {
                ["secrets.yaml"] = Yaml.Component("files", "secretstores.local.file", ("secretsFile", secretsFile)),
                ["state.yaml"] = Yaml.InMemoryState(),
            },
            configure: s => s with { ApiToken = apiToken },
            configYaml: """
                apiVersion: dapr.io/v1alpha1
                kind: Configuration
                metadata:
                  name: scopes
                spec:
                  secrets:
                    scopes:
                      - storeName: files
                        defaultAccess: allow
                        deniedSecrets: ["denied"]
                """);
    }

    private static async Task<HttpResponseMessage> SendAsync(TestSidecar sidecar, HttpMethod method, string path, string token)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("dapr-api-token", token);
        return await sidecar.Client.SendAsync(request);
    }
}
