using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resources;

public sealed class ResourceLoaderComponentTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private LoadedResources Load(string appId = "orders") => ResourceLoader.Load([_directory.Path], appId);

    private ResourceLoadException Fails(string appId = "orders") => Should.Throw<ResourceLoadException>(() => Load(appId));

    [Fact]
    public void Load_Component_ReadsEveryField()
    {
        var file = _directory.Write("statestore.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              ignoreErrors: true
              initTimeout: 10s
              metadata:
                - name: redisHost
                  value: localhost:6379
                - name: redisDB
                  value: 3
                - name: enableTLS
                  value: false
                - name: nested
                  value:
                    a: 1
                    b: [x, "y"]
                - name: quoted
                  value: "007"
                - name: redisPassword
                  secretKeyRef:
                    name: redis-secret
                    key: password
                - name: token
                  secretKeyRef:
                    name: token-secret
                - name: fromEnv
                  envRef: MY_SETTING
            auth:
              secretStore: localsecretstore
            scopes:
              - orders
              - cart
            """);

        var component = Load().Components.ShouldHaveSingleItem();

        component.Name.ShouldBe("statestore");
        component.Type.ShouldBe("state.redis");
        component.BuildingBlock.ShouldBe("state");
        component.Version.ShouldBe("v1");
        component.IgnoreErrors.ShouldBeTrue();
        component.InitTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        component.AuthSecretStore.ShouldBe("localsecretstore");
        component.Scopes.ShouldBe(["orders", "cart"]);
        component.SourceFile.ShouldBe(file);
        component.Metadata.ShouldBe(
        [
            new ComponentMetadataItem("redisHost", "localhost:6379", null, null),
            new ComponentMetadataItem("redisDB", "3", null, null),
            new ComponentMetadataItem("enableTLS", "false", null, null),
            new ComponentMetadataItem("nested", """{"a":1,"b":["x","y"]}""", null, null),
            new ComponentMetadataItem("quoted", "007", null, null),
            new ComponentMetadataItem("redisPassword", null, new SecretKeyRef("redis-secret", "password"), null),
            new ComponentMetadataItem("token", null, new SecretKeyRef("token-secret", "token-secret"), null),
            new ComponentMetadataItem("fromEnv", null, null, "MY_SETTING"),
        ]);
    }

    [Fact]
    public void Load_MinimalComponent_UsesDefaults()
    {
        _directory.Write("pubsub.yml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: pubsub }
            spec: { type: pubsub.in-memory, version: v1 }
            """);

        var component = Load().Components.ShouldHaveSingleItem();

        component.IgnoreErrors.ShouldBeFalse();
        component.InitTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        component.Metadata.ShouldBeEmpty();
        component.AuthSecretStore.ShouldBeNull();
        component.Scopes.ShouldBeEmpty();
    }

    [Fact]
    public void Load_KeysInOtherCase_AreMatchedLikeDaprd()
    {
        _directory.Write("c.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            Metadata: { Name: store }
            Spec:
              Type: state.in-memory
              VERSION: v1
              Metadata:
                - Name: x
                  Value: "1"
            """);

        var component = Load().Components.ShouldHaveSingleItem();

        component.Name.ShouldBe("store");
        component.Metadata.ShouldHaveSingleItem().ShouldBe(new ComponentMetadataItem("x", "1", null, null));
    }

    [Fact]
    public void Load_NullValue_IsEmptyString()
    {
        _directory.Write("c.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: store }
            spec:
              type: state.in-memory
              version: v1
              metadata:
                - name: empty
                  value:
            """);

        Load().Components.ShouldHaveSingleItem().Metadata.ShouldHaveSingleItem().Value.ShouldBe("");
    }

    [Fact]
    public void Load_MultiDocumentFile_LoadsEveryMatchingDocument()
    {
        _directory.Write("all.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: one }
            spec: { type: state.in-memory, version: v1 }
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: not-dapr }
            ---
            # only a comment
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: two }
            spec: { type: pubsub.in-memory, version: v1 }
            """);

        var loaded = Load();

        loaded.Components.Select(c => c.Name).ShouldBe(["one", "two"]);
        loaded.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Load_FilesInNameOrderAcrossPaths_KeepsLoadOrder()
    {
        using var second = new TempDirectory();
        _directory.Write("b.yaml", Component("b"));
        _directory.Write("a.yaml", Component("a"));
        second.Write("c.yaml", Component("c"));

        ResourceLoader.Load([_directory.Path, second.Path], "orders").Components.Select(c => c.Name).ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public void Load_NonYamlFilesAndSubdirectories_AreSkipped()
    {
        _directory.Write("readme.txt", "not yaml");
        _directory.Write("upper.YAML", Component("upper"));
        _directory.Write("nested/inner.yaml", Component("inner"));

        var loaded = Load();

        loaded.Components.ShouldHaveSingleItem().Name.ShouldBe("upper");
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("readme.txt");
    }

    [Fact]
    public void Load_WrongApiVersion_IsIgnoredWithWarning()
    {
        _directory.Write("c.yaml", Component("x").Replace("dapr.io/v1alpha1", "dapr.io/v2alpha1", StringComparison.Ordinal));

        var loaded = Load();

        loaded.Components.ShouldBeEmpty();
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("apiVersion \"dapr.io/v2alpha1\"");
    }

    [Fact]
    public void Load_WrongGroupOrKind_IsIgnored()
    {
        _directory.Write("c.yaml", Component("x").Replace("dapr.io/v1alpha1", "components.dapr.io/v1alpha1", StringComparison.Ordinal));
        _directory.Write("d.yaml", Component("y").Replace("kind: Component", "kind: component", StringComparison.Ordinal));

        Load().Components.ShouldBeEmpty();
    }

    [Fact]
    public void Load_ScopedComponent_OnlyForListedApps()
    {
        _directory.Write("c.yaml", Component("private") + "scopes: [cart]\n");

        Load("orders").Components.ShouldBeEmpty();
        Load("cart").Components.ShouldHaveSingleItem();
    }

    [Fact]
    public void Load_DuplicateNames_FailEvenWhenOutOfScope()
    {
        var first = _directory.Write("a.yaml", Component("store") + "scopes: [cart]\n");
        var second = _directory.Write("b.yaml", Component("store"));

        var exception = Fails();

        exception.Message.ShouldContain("duplicate definition of Component name store");
        exception.Message.ShouldContain(first);
        exception.FilePath.ShouldBe(second);
    }

    [Fact]
    public void Load_UnclosedFlowSequence_IsAnInvalidYamlErrorNamingTheFile()
    {
        var file = _directory.Write("unclosed.yaml", "apiVersion: dapr.io/v1alpha1\nkind: [Component\nmetadata: x\n");

        var exception = Fails();

        exception.FilePath.ShouldBe(file);
        exception.Message.ShouldStartWith($"{file}: invalid YAML");
    }

    [Fact]
    public void Load_InvalidYaml_NamesFileAndLine()
    {
        var file = _directory.Write("broken.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: broken
             spec: x
            """);

        var exception = Fails();

        exception.FilePath.ShouldBe(file);
        exception.Line.ShouldBe(5);
        exception.Message.ShouldStartWith($"{file}: YAML syntax error at line 5");
    }

    [Fact]
    public void Load_UnterminatedQuote_NamesFileAndLine()
    {
        var file = _directory.Write("broken.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: \"oops\n");

        var exception = Fails();

        exception.Message.ShouldContain(file);
        exception.Line.ShouldNotBeNull();
    }

    [Fact]
    public void Load_DocumentThatIsNotAMapping_Fails()
    {
        _directory.Write("list.yaml", "- a\n- b\n");

        Fails().Message.ShouldContain("a resource document must be a mapping");
    }

    [Theory]
    [InlineData("metadata: { name: x }\nspec: { version: v1 }", "spec.type: is required", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: redis, version: v1 }", "must have the form <building block>.<name>", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state., version: v1 }", "must have the form", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis }", "spec.version: is required", 4)]
    [InlineData("metadata: { }\nspec: { type: state.redis, version: v1 }", "metadata.name: is required", 3)]
    [InlineData("metadata: { name: a/b }\nspec: { type: state.redis, version: v1 }", "invalid name \"a/b\"", 3)]
    [InlineData("metadata: { name: \"..\" }\nspec: { type: state.redis, version: v1 }", "may not be '.' or '..'", 3)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, ignoreErrors: \"true\" }", "spec.ignoreErrors: must be a boolean", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: [state], version: v1 }", "spec.type: must be a string", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: { a: b } }", "spec.metadata: must be a list", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: [ { value: v } ] }", "spec.metadata[0].name: is required", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: [ { name: a } ] }", "metadata 'a' needs one of 'value', 'secretKeyRef' or 'envRef'", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: [ { name: a, value: v, envRef: E } ] }", "exactly one of", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: [ { name: a, value: v, secretKeyRef: { name: s } } ] }", "exactly one of", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: [ { name: a, secretKeyRef: { key: k } } ] }", "secretKeyRef.name: is required", 4)]
    [InlineData("metadata: { name: x }\nspec: { type: state.redis, version: v1, metadata: [ plain ] }", "each metadata entry must be a mapping", 4)]
    public void Load_InvalidComponent_FailsNamingFieldAndLine(string body, string expected, int line)
    {
        var file = _directory.Write("bad.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\n" + body + "\n");

        var exception = Fails();

        exception.Message.ShouldContain(expected);
        exception.Message.ShouldStartWith($"{file}: Component");
        exception.Message.ShouldContain("(document 1, line");
        exception.Line.ShouldBe(line);
        exception.FilePath.ShouldBe(file);
    }

    [Fact]
    public void Load_ErrorInSecondDocument_NamesDocumentAndComponent()
    {
        _directory.Write("two.yaml", Component("good") + "---\napiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: bad }\nspec: { version: v1 }\n");

        var exception = Fails();

        exception.Message.ShouldContain("Component 'bad' (document 2, line 12");
    }

    [Fact]
    public void Load_BadInitTimeout_WarnsAndUsesDefault()
    {
        _directory.Write("c.yaml", Component("x").Replace("version: v1", "version: v1\n  initTimeout: soon", StringComparison.Ordinal));

        var loaded = Load();

        loaded.Components.ShouldHaveSingleItem().InitTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("\"soon\" is not a Go duration");
    }

    [Theory]
    [InlineData("DAPR_API_TOKEN")]
    [InlineData("APP_API_TOKEN")]
    [InlineData("dapr_anything")]
    [InlineData("WITH SPACE")]
    public void Load_DeniedEnvRef_Warns(string variable)
    {
        _directory.Write("c.yaml", Component("x").Replace("version: v1", $"version: v1\n  metadata:\n    - name: a\n      envRef: \"{variable}\"", StringComparison.Ordinal));

        var loaded = Load();

        loaded.Components.ShouldHaveSingleItem().Metadata.ShouldHaveSingleItem().EnvRef.ShouldBe(variable);
        loaded.Warnings.ShouldHaveSingleItem().ShouldContain("is not allowed");
    }

    [Fact]
    public void Load_MissingDirectory_Fails()
    {
        var missing = Path.Combine(_directory.Path, "nope");

        Should.Throw<ResourceLoadException>(() => ResourceLoader.Load([missing], "orders")).Message.ShouldBe($"resources path '{missing}' does not exist");
    }

    [Fact]
    public void Load_PathIsAFile_Fails()
    {
        var file = _directory.Write("c.yaml", Component("x"));

        Should.Throw<ResourceLoadException>(() => ResourceLoader.Load([file], "orders")).Message.ShouldContain("is a file");
    }

    [Fact]
    public void Load_NoPaths_LoadsNothing()
    {
        var loaded = ResourceLoader.Load([], "orders");

        loaded.Components.ShouldBeEmpty();
        loaded.Subscriptions.ShouldBeEmpty();
        loaded.Resiliencies.ShouldBeEmpty();
    }

    [Fact]
    public void Load_UnsupportedDaprKind_Warns()
    {
        _directory.Write("e.yaml", "apiVersion: dapr.io/v1alpha1\nkind: HTTPEndpoint\nmetadata: { name: ext }\nspec: { baseUrl: http://x }\n");

        Load().Warnings.ShouldHaveSingleItem().ShouldContain("HTTPEndpoint ignored");
    }

    [Fact]
    public void Load_DuplicateKey_FailsNamingFile()
    {
        var file = _directory.Write("dup.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: a }\nmetadata: { name: b }\nspec: { type: state.in-memory, version: v1 }\n");

        var exception = Fails();

        exception.FilePath.ShouldBe(file);
        exception.Message.ShouldContain(file);
        exception.Message.ShouldEndWith("line 4, column 1: Duplicate key metadata");
    }

    [Fact]
    public void Load_AnchorsAndAliases_AreResolved()
    {
        _directory.Write("anchors.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: a }
            spec:
              type: state.in-memory
              version: v1
              metadata:
                - name: host
                  value: &host localhost:6379
                - name: again
                  value: *host
            """);

        Load().Components.ShouldHaveSingleItem().Metadata.Select(m => m.Value).ShouldBe(["localhost:6379", "localhost:6379"]);
    }

    internal static string Component(string name) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: state.in-memory
          version: v1

        """;
}
