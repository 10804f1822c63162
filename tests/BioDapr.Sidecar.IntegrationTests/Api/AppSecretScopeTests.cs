using System.Net;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>
/// Each cell's own Configuration (dapr/config/&lt;app&gt;.yaml) with the organism's secret store: a cell reads the
/// secrets it needs through its sidecar and nothing else.
/// </summary>
public sealed class AppSecretScopeTests : IAsyncDisposable
{
    private readonly string _secrets = Path.Combine(Directory.CreateTempSubdirectory("biodapr-secrets-").FullName, "secrets.json");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Orders_CannotReadTheGatewaysClientKeys_ThroughItsSidecar()
    {
        await using var orders = await StartAsync("orders");

        using var gatewayKeys = await orders.Client.GetAsync("/v1.0/secrets/secretstore/gateway-api-keys", Ct);
        using var bulk = await orders.Client.GetAsync("/v1.0/secrets/secretstore/bulk", Ct);
        using var own = await orders.Client.GetAsync("/v1.0/secrets/secretstore/orders-api-key", Ct);

        (await PublishApiTests.ShouldBeDaprErrorAsync(gatewayKeys, HttpStatusCode.Forbidden, "ERR_PERMISSION_DENIED")).ShouldNotContain("shop-key");
        var all = await bulk.Content.ReadAsStringAsync(Ct);
        all.ShouldNotContain("gateway-api-keys");
        all.ShouldNotContain("shop-key");
        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await own.Content.ReadAsStringAsync(Ct)).TrimEnd().ShouldBe("""{"orders-api-key":"orders-key"}""");
    }

    [Fact]
    public async Task Gateway_ReadsTheClientKeysAndTheOrdersKey_AndNothingElse()
    {
        await using var gateway = await StartAsync("gateway");

        using var clients = await gateway.Client.GetAsync("/v1.0/secrets/secretstore/gateway-api-keys", Ct);
        using var orders = await gateway.Client.GetAsync("/v1.0/secrets/secretstore/orders-api-key", Ct);
        using var other = await gateway.Client.GetAsync("/v1.0/secrets/secretstore/payments-provider-key", Ct);

        clients.StatusCode.ShouldBe(HttpStatusCode.OK);
        orders.StatusCode.ShouldBe(HttpStatusCode.OK);
        await PublishApiTests.ShouldBeDaprErrorAsync(other, HttpStatusCode.Forbidden, "ERR_PERMISSION_DENIED");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(_secrets)!, recursive: true);
        return ValueTask.CompletedTask;
    }

    // The app's own configuration file and the organism's secret store component, reading a test secrets file.
    private async Task<TestSidecar> StartAsync(string appId)
    {
        await File.WriteAllTextAsync(_secrets, """{"orders-api-key":"orders-key","gateway-api-keys":"shop=shop-key","payments-provider-key":"psp"}""", Ct);
        // secretsFile is relative to the app's directory in the repository; here it is this test's file.
        var store = System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(RepoFiles.PathOf("components", "local", "secretstore.yaml")), @"(?<=value:\s*)\S*components/local/secrets\.json", _secrets);
        var sidecar = await TestSidecar.StartAsync(
            appId,
            new Dictionary<string, string> { ["secretstore.yaml"] = store },
            configYaml: File.ReadAllText(RepoFiles.PathOf("dapr", "config", appId + ".yaml")));
        await sidecar.WaitUntilReadyAsync();
        return sidecar;
    }
}
