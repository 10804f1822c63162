using BioDapr.Sidecar.Components.Secrets;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.Tests.Components.Secrets;

public sealed class LocalEnvSecretStoreTests
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["DB_PASSWORD"] = "hunter2",
        ["MYAPP_DB"] = "prefixed",
        ["MYAPP_"] = "prefix only",
        ["myapp_lower"] = "other case",
        ["APP_API_TOKEN"] = "app-token",
        ["DAPR_API_TOKEN"] = "dapr-token",
        ["dapr_lowercase"] = "still dapr",
        ["MYAPP_DAPR_X"] = "allowed: the full name does not start with DAPR_",
        ["EMPTY"] = "",
    };

    private readonly ListLogger<LocalEnvSecretStore> _logger = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LocalEnvSecretStore Create(string? prefix = null) =>
        new(
            prefix is null
                ? TestComponents.Metadata(LocalEnvSecretStore.ComponentType)
                : TestComponents.Metadata(LocalEnvSecretStore.ComponentType, ("prefix", prefix)),
            Environment,
            _logger);

    [Fact]
    public async Task GetSecretAsync_ExistingVariable_ReturnsNameAndValue()
    {
        await using var store = Create();

        (await store.GetSecretAsync("DB_PASSWORD", None, Ct)).ShouldBe(new Dictionary<string, string> { ["DB_PASSWORD"] = "hunter2" });
    }

    [Fact]
    public async Task GetSecretAsync_MissingVariable_ReturnsEmptyValueNotError()
    {
        await using var store = Create();

        (await store.GetSecretAsync("NOPE", None, Ct)).ShouldBe(new Dictionary<string, string> { ["NOPE"] = "" });
    }

    [Theory]
    [InlineData("APP_API_TOKEN")]
    [InlineData("app_api_token")]
    [InlineData("DAPR_API_TOKEN")]
    [InlineData("dapr_lowercase")]
    public async Task GetSecretAsync_ProtectedVariable_ReturnsEmptyAndWarns(string name)
    {
        await using var store = Create();

        (await store.GetSecretAsync(name, None, Ct))[name].ShouldBeEmpty();
        _logger.Entries.ShouldHaveSingleItem().Level.ShouldBe(LogLevel.Warning);
        _logger.Entries[0].Message.ShouldContain(name);
    }

    [Fact]
    public async Task GetSecretAsync_Prefix_ReadsPrefixedVariableUnderTheShortName()
    {
        await using var store = Create("MYAPP_");

        (await store.GetSecretAsync("DB", None, Ct)).ShouldBe(new Dictionary<string, string> { ["DB"] = "prefixed" });
        (await store.GetSecretAsync("DAPR_X", None, Ct))["DAPR_X"].ShouldStartWith("allowed");
    }

    [Fact]
    public async Task GetSecretAsync_PrefixThatIsProtected_ReturnsEmpty()
    {
        await using var store = Create("DAPR_");

        (await store.GetSecretAsync("API_TOKEN", None, Ct))["API_TOKEN"].ShouldBeEmpty();
    }

    [Fact]
    public async Task GetBulkSecretsAsync_NoPrefix_LeavesProtectedVariablesOut()
    {
        await using var store = Create();

        var secrets = await store.GetBulkSecretsAsync(None, Ct);

        secrets.Keys.Order(StringComparer.Ordinal).ShouldBe(["DB_PASSWORD", "EMPTY", "MYAPP_", "MYAPP_DAPR_X", "MYAPP_DB", "myapp_lower"]);
        secrets["DB_PASSWORD"].ShouldBe(new Dictionary<string, string> { ["DB_PASSWORD"] = "hunter2" });
        _logger.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetBulkSecretsAsync_Prefix_KeepsLongerMatchingNamesWithoutPrefix()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Windows compares environment names without case.");
        await using var store = Create("MYAPP_");

        var secrets = await store.GetBulkSecretsAsync(None, Ct);

        secrets.Keys.Order(StringComparer.Ordinal).ShouldBe(["DAPR_X", "DB"]);
        secrets["DB"].ShouldBe(new Dictionary<string, string> { ["DB"] = "prefixed" });
    }

    [Fact]
    public async Task GetSecretAsync_ProcessEnvironment_ReadsLiveVariables()
    {
        await using var store = new LocalEnvSecretStore(TestComponents.Metadata(LocalEnvSecretStore.ComponentType));
        var path = System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty;

        (await store.GetSecretAsync("PATH", None, Ct))["PATH"].ShouldBe(path);
        (await store.GetBulkSecretsAsync(None, Ct)).Keys.ShouldNotContain(k => k.StartsWith("DAPR_", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Identity_FromMetadata_HasNoCapabilities()
    {
        await using var store = Create();

        store.Type.ShouldBe("secretstores.local.env");
        store.Capabilities.ShouldBeEmpty();
    }
}
