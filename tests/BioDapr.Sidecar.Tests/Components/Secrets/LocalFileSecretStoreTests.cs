using BioDapr.Sidecar.Components;
using BioDapr.Sidecar.Components.Secrets;

namespace BioDapr.Sidecar.Tests.Components.Secrets;

public sealed class LocalFileSecretStoreTests : IDisposable
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("biodapr-secrets-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    private string WriteFile(string json, string name = "secrets.json")
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, json);
        return path;
    }

    private LocalFileSecretStore Create(string json, params (string Name, string Value)[] extra)
    {
        var path = WriteFile(json);
        return new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, [("secretsFile", path), .. extra]));
    }

    private static async Task<Dictionary<string, IReadOnlyDictionary<string, string>>> BulkAsync(LocalFileSecretStore store) =>
        new(await store.GetBulkSecretsAsync(None, Ct));

    [Fact]
    public async Task GetSecretAsync_SingleValued_FlattensNestedObjectsAndArrays()
    {
        await using var store = Create("""
            {"redisPassword":"p1","db":{"user":"admin","hosts":["h1","h2"],"tls":{"ca":"pem"}}}
            """);

        (await store.GetSecretAsync("redisPassword", None, Ct)).ShouldBe(new Dictionary<string, string> { ["redisPassword"] = "p1" });
        (await store.GetSecretAsync("db:user", None, Ct)).ShouldBe(new Dictionary<string, string> { ["db:user"] = "admin" });
        (await store.GetSecretAsync("db:hosts:1", None, Ct))["db:hosts:1"].ShouldBe("h2");
        (await store.GetSecretAsync("db:tls:ca", None, Ct))["db:tls:ca"].ShouldBe("pem");
        (await BulkAsync(store)).Keys.Order(StringComparer.Ordinal).ShouldBe(["db:hosts:0", "db:hosts:1", "db:tls:ca", "db:user", "redisPassword"]);
        store.Capabilities.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetSecretAsync_NonStringLeaves_FormattedAsDaprDoes()
    {
        await using var store = Create("""{"port":5432,"ratio":1.5,"enabled":true,"off":false,"nothing":null,"big":1e21}""");

        (await store.GetSecretAsync("port", None, Ct))["port"].ShouldBe("%!s(float64=5432)");
        (await store.GetSecretAsync("ratio", None, Ct))["ratio"].ShouldBe("%!s(float64=1.5)");
        (await store.GetSecretAsync("enabled", None, Ct))["enabled"].ShouldBe("%!s(bool=true)");
        (await store.GetSecretAsync("off", None, Ct))["off"].ShouldBe("%!s(bool=false)");
        (await store.GetSecretAsync("nothing", None, Ct))["nothing"].ShouldBe("%!s(<nil>)");
        (await store.GetSecretAsync("big", None, Ct))["big"].ShouldBe("%!s(float64=1e+21)");
    }

    [Fact]
    public async Task GetSecretAsync_CustomSeparator_UsedForNestedKeys()
    {
        await using var store = Create("""{"db":{"user":"u","list":["a"]}}""", ("nestedSeparator", "."));

        (await store.GetSecretAsync("db.user", None, Ct))["db.user"].ShouldBe("u");
        (await store.GetSecretAsync("db.list.0", None, Ct))["db.list.0"].ShouldBe("a");
    }

    [Fact]
    public async Task GetSecretAsync_UnknownName_ThrowsSecretNotFound()
    {
        await using var store = Create("""{"a":"1"}""");

        var ex = await Should.ThrowAsync<SecretNotFoundException>(() => store.GetSecretAsync("b", None, Ct));

        ex.SecretName.ShouldBe("b");
        ex.Message.ShouldBe("secret b not found");
    }

    [Fact]
    public async Task GetSecretAsync_NamesAreCaseSensitive()
    {
        await using var store = Create("""{"Token":"1"}""");

        await Should.ThrowAsync<SecretNotFoundException>(() => store.GetSecretAsync("token", None, Ct));
    }

    [Fact]
    public async Task GetSecretAsync_MultiValued_ObjectsBecomeKeyValueSecrets()
    {
        await using var store = Create("""
            {"db":{"user":"admin","port":5432,"mysql":{"user":"root"},"hosts":["h1"]},"single":"value","skippedNumber":7,"skippedArray":["x"]}
            """, ("multiValued", "true"));

        (await store.GetSecretAsync("db", None, Ct)).ShouldBe(new Dictionary<string, string>
        {
            ["user"] = "admin",
            ["port"] = "%!s(float64=5432)",
            ["mysql:user"] = "root",
            ["hosts:0"] = "h1",
        });
        (await store.GetSecretAsync("single", None, Ct)).ShouldBe(new Dictionary<string, string> { ["single"] = "value" });
        await Should.ThrowAsync<SecretNotFoundException>(() => store.GetSecretAsync("skippedNumber", None, Ct));
        (await BulkAsync(store)).Keys.Order(StringComparer.Ordinal).ShouldBe(["db", "single"]);
        store.Capabilities.ShouldBe(["MULTIPLE_KEY_VALUES_PER_SECRET"]);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData(" yes ", true)]
    [InlineData("1", true)]
    [InlineData("on", true)]
    [InlineData("t", true)]
    [InlineData("y", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("2", false)]
    [InlineData("", false)]
    public async Task Create_MultiValuedValue_ReadAsDaprTruthy(string value, bool multiValued)
    {
        await using var store = Create("""{"db":{"user":"u"}}""", ("multiValued", value));

        store.Capabilities.Count.ShouldBe(multiValued ? 1 : 0);
    }

    [Fact]
    public async Task Create_MetadataNames_MatchCaseInsensitively()
    {
        var path = WriteFile("""{"db":{"user":"u"}}""");
        await using var store = new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("SECRETSFILE", path), ("MultiValued", "true")));

        (await store.GetSecretAsync("db", None, Ct))["user"].ShouldBe("u");
    }

    [Fact]
    public async Task Create_RelativePath_ResolvedAgainstWorkingDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_directory.FullName, "config"));
        WriteFile("""{"a":"from-relative"}""", Path.Combine("config", "secrets.json"));

        await using var store = new LocalFileSecretStore(
            TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("secretsFile", "config/secrets.json")), _directory.FullName);

        store.SecretsFile.ShouldBe(Path.Combine(_directory.FullName, "config", "secrets.json"));
        (await store.GetSecretAsync("a", None, Ct))["a"].ShouldBe("from-relative");
    }

    [Fact]
    public async Task Create_FileChangedLater_KeepsWhatWasRead()
    {
        var path = WriteFile("""{"a":"1"}""");
        await using var store = new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("secretsFile", path)));

        await File.WriteAllTextAsync(path, """{"a":"2"}""", Ct);

        (await store.GetSecretAsync("a", None, Ct))["a"].ShouldBe("1");
    }

    [Fact]
    public async Task Create_DuplicateJsonName_LastOneWins()
    {
        await using var store = Create("""{"a":"first","a":"second"}""");

        (await store.GetSecretAsync("a", None, Ct))["a"].ShouldBe("second");
    }

    [Fact]
    public async Task Create_FlatKeyCollision_FirstOneWins()
    {
        await using var store = Create("""{"a:b":"flat","a":{"b":"nested"}}""");

        (await store.GetSecretAsync("a:b", None, Ct))["a:b"].ShouldBe("flat");
    }

    [Fact]
    public async Task Create_NullDocument_HasNoSecrets()
    {
        await using var store = Create("null");

        (await BulkAsync(store)).ShouldBeEmpty();
    }

    [Fact]
    public void Create_MissingFile_ThrowsNamingFileAndComponent()
    {
        var path = Path.Combine(_directory.FullName, "absent.json");

        var ex = Should.Throw<ComponentConfigurationException>(
            () => new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("secretsFile", path))));

        ex.Message.ShouldContain(path);
        ex.Message.ShouldContain("could not be read");
        ex.Message.ShouldStartWith("components/test.yaml: component 'test-secretstores-local-file'");
    }

    [Theory]
    [InlineData("{\"a\": ")]
    [InlineData("{'a': 'single quotes'}")]
    [InlineData("{\"a\":\"1\",}")]
    [InlineData("")]
    public void Create_InvalidJson_ThrowsNamingFile(string json)
    {
        var path = WriteFile(json);

        var ex = Should.Throw<ComponentConfigurationException>(
            () => new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("secretsFile", path))));

        ex.Message.ShouldContain($"secretsFile '{path}' is not valid JSON");
    }

    [Theory]
    [InlineData("[\"a\"]", "array")]
    [InlineData("\"text\"", "string")]
    [InlineData("42", "number")]
    public void Create_TopLevelNotAnObject_Throws(string json, string kind)
    {
        var path = WriteFile(json);

        var ex = Should.Throw<ComponentConfigurationException>(
            () => new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("secretsFile", path))));

        ex.Message.ShouldContain($"must hold a JSON object, but holds a JSON {kind}");
    }

    [Fact]
    public void Create_NumberOutOfRange_Throws()
    {
        var path = WriteFile("""{"n":1e400}""");

        var ex = Should.Throw<ComponentConfigurationException>(
            () => new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType, ("secretsFile", path))));

        ex.Message.ShouldContain("number out of range");
    }

    [Fact]
    public void Create_NoSecretsFileMetadata_ThrowsNamingIt()
    {
        var ex = Should.Throw<ComponentConfigurationException>(
            () => new LocalFileSecretStore(TestComponents.Metadata(LocalFileSecretStore.ComponentType)));

        ex.Message.ShouldContain("metadata 'secretsFile' is required");
    }
}
