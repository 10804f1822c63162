using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resources;

public sealed class SidecarConfigurationLoaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static SidecarConfiguration Load(IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? environment = null) =>
        SidecarConfigurationLoader.Load(files, name => environment?.GetValueOrDefault(name));

    private SidecarConfiguration LoadOne(string yaml, IReadOnlyDictionary<string, string>? environment = null) =>
        Load([_directory.Write("config.yaml", yaml)], environment);

    [Fact]
    public void Load_NoFiles_GivesDaprdDefaults()
    {
        var configuration = Load([]);

        configuration.TracingEnabled.ShouldBeTrue();
        configuration.Tracing.SamplingRate.ShouldBe("");
        configuration.Tracing.EffectiveSamplingRate.ShouldBe(1e-4);
        configuration.Tracing.Otel.IsSecure.ShouldBeTrue();
        configuration.IsFeatureEnabled("HotReload").ShouldBeTrue();
        configuration.IsFeatureEnabled("WorkflowsRemoteActivityReminder").ShouldBeTrue();
        configuration.IsFeatureEnabled("ActorStateTTL").ShouldBeFalse();
        configuration.MetricsEnabled.ShouldBeTrue();
        configuration.SecretScopes.ShouldBeEmpty();
        configuration.IsSecretAllowed("any", "secret").ShouldBeTrue();
        configuration.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Load_FullConfiguration_ReadsSettings()
    {
        var configuration = LoadOne("""
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata: { name: appconfig }
            spec:
              tracing:
                samplingRate: "1"
                stdout: true
                zipkin: { endpointAddress: "http://localhost:9411/api/v2/spans" }
                otel: { endpointAddress: "localhost:4317", protocol: grpc, isSecure: false }
              features:
                - name: HotReload
                  enabled: false
                - name: ActorStateTTL
                  enabled: true
              metric: { enabled: false }
              logging: { apiLogging: { enabled: true, obfuscateURLs: true, omitHealthChecks: true } }
            """);

        configuration.Tracing.ShouldBe(new TracingSettings("1", true, "http://localhost:9411/api/v2/spans", new OtelSettings("localhost:4317", "grpc", false)));
        configuration.TracingEnabled.ShouldBeTrue();
        configuration.IsFeatureEnabled("HotReload").ShouldBeFalse();
        configuration.IsFeatureEnabled("ActorStateTTL").ShouldBeTrue();
        configuration.IsFeatureEnabled("WorkflowsRemoteActivityReminder").ShouldBeTrue();
        configuration.MetricsEnabled.ShouldBeFalse();
        configuration.ApiLoggingEnabled.ShouldBeTrue();
        configuration.ApiLoggingObfuscateUrls.ShouldBeTrue();
        configuration.ApiLoggingOmitHealthChecks.ShouldBeTrue();
    }

    [Theory]
    [InlineData("\"0\"", false)]
    [InlineData("0", false)]
    [InlineData("\"0.0\"", false)]
    [InlineData("\"0e3\"", false)]
    [InlineData("\"1\"", true)]
    [InlineData("\"0.5\"", true)]
    [InlineData("\"\"", true)]
    [InlineData("\"abc\"", true)]
    public void Load_SamplingRate_DecidesTracing(string rate, bool enabled)
    {
        LoadOne($"spec: {{ tracing: {{ samplingRate: {rate} }} }}\n").TracingEnabled.ShouldBe(enabled);
    }

    [Fact]
    public void Load_SeveralFiles_MergeInOrder()
    {
        var first = _directory.Write("base.yaml", """
            spec:
              tracing:
                samplingRate: "1"
                zipkin: { endpointAddress: http://zipkin:9411 }
              features:
                - { name: A, enabled: true }
                - { name: B, enabled: true }
            """);
        var second = _directory.Write("override.yaml", """
            spec:
              tracing:
                samplingRate: "0"
              features:
                - { name: C, enabled: true }
            """);

        var configuration = Load([first, second]);

        configuration.Tracing.SamplingRate.ShouldBe("0");
        configuration.Tracing.ZipkinEndpoint.ShouldBe("http://zipkin:9411");
        configuration.IsFeatureEnabled("C").ShouldBeTrue();
        configuration.IsFeatureEnabled("A").ShouldBeFalse();
        configuration.SourceFiles.ShouldBe([first, second]);
    }

    [Fact]
    public void Load_EnvironmentVariables_AreExpanded()
    {
        var configuration = LoadOne(
            "spec:\n  tracing:\n    samplingRate: \"${RATE}\"\n    zipkin: { endpointAddress: \"http://$ZIPKIN_HOST:9411\" }\n",
            new Dictionary<string, string> { ["RATE"] = "0", ["ZIPKIN_HOST"] = "collector" });

        configuration.Tracing.SamplingRate.ShouldBe("0");
        configuration.Tracing.ZipkinEndpoint.ShouldBe("http://collector:9411");
    }

    [Fact]
    public void Load_ApiVersionAndKind_AreNotChecked()
    {
        LoadOne("apiVersion: something/else\nkind: Whatever\nspec: { tracing: { samplingRate: \"0\" } }\n").TracingEnabled.ShouldBeFalse();
    }

    [Fact]
    public void Load_OnlyFirstDocument_IsRead()
    {
        LoadOne("spec: { tracing: { samplingRate: \"1\" } }\n---\nspec: { tracing: { samplingRate: \"0\" } }\n").TracingEnabled.ShouldBeTrue();
    }

    [Fact]
    public void Load_KeysAreCaseSensitive()
    {
        LoadOne("spec: { tracing: { SamplingRate: \"0\" } }\n").TracingEnabled.ShouldBeTrue();
    }

    [Fact]
    public void Load_OtelEnvironment_FillsExporterWhenNotConfigured()
    {
        var configuration = LoadOne("spec: {}\n", new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "https://collector:4318",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_INSECURE"] = "true",
        });

        configuration.Tracing.Otel.ShouldBe(new OtelSettings("collector:4318", "http", false));
        configuration.Tracing.SamplingRate.ShouldBe("1");
    }

    [Fact]
    public void Load_OtelEnvironment_DoesNotOverrideConfiguredEndpoint()
    {
        var configuration = LoadOne(
            "spec: { tracing: { samplingRate: \"0.5\", otel: { endpointAddress: \"configured:4317\" } } }\n",
            new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://env:4317" });

        configuration.Tracing.Otel.EndpointAddress.ShouldBe("configured:4317");
        configuration.Tracing.SamplingRate.ShouldBe("0.5");
    }

    [Fact]
    public void Load_SecretScopes_DecideLikeDaprd()
    {
        var configuration = LoadOne("""
            spec:
              secrets:
                scopes:
                  - storeName: allowlisted
                    defaultAccess: deny
                    allowedSecrets: [db, api]
                    deniedSecrets: [db]
                  - storeName: denylisted
                    deniedSecrets: [admin]
                  - storeName: closed
                    defaultAccess: DENY
                  - storeName: open
                    defaultAccess: allow
            """);

        configuration.IsSecretAllowed("allowlisted", "db").ShouldBeTrue();
        configuration.IsSecretAllowed("allowlisted", "api").ShouldBeTrue();
        configuration.IsSecretAllowed("allowlisted", "other").ShouldBeFalse();
        configuration.IsSecretAllowed("denylisted", "admin").ShouldBeFalse();
        configuration.IsSecretAllowed("denylisted", "user").ShouldBeTrue();
        configuration.IsSecretAllowed("closed", "anything").ShouldBeFalse();
        configuration.IsSecretAllowed("open", "anything").ShouldBeTrue();
        configuration.IsSecretAllowed("unscoped", "anything").ShouldBeTrue();
        configuration.IsSecretAllowed("Closed", "anything").ShouldBeTrue();
    }

    [Fact]
    public void Load_RepeatedSecretStore_Fails()
    {
        var exception = Should.Throw<ResourceLoadException>(() => LoadOne("spec:\n  secrets:\n    scopes:\n      - storeName: s\n      - storeName: s\n"));

        exception.Message.ShouldContain("s storeName is repeated in secrets configuration");
        exception.Line.ShouldBe(5);
    }

    [Fact]
    public void Load_BadDefaultAccess_Fails()
    {
        Should.Throw<ResourceLoadException>(() => LoadOne("spec: { secrets: { scopes: [ { storeName: s, defaultAccess: maybe } ] } }\n"))
            .Message.ShouldContain("defaultAccess maybe can be either allow or deny");
    }

    [Fact]
    public void Load_UnenforcedSections_Warn()
    {
        var configuration = LoadOne("""
            spec:
              accessControl:
                defaultAction: deny
                trustDomain: public
              nameResolution: { component: mdns }
              httpPipeline: { handlers: [ { name: rl, type: middleware.http.ratelimit } ] }
              appHttpPipeline: { handlers: [ { name: up, type: middleware.http.uppercase } ] }
              api: { allowed: [ { name: state, version: v1.0 } ] }
              mtls: { enabled: true }
            """);

        configuration.Warnings.Count.ShouldBe(5);
        configuration.AccessControl.ShouldNotBeNull().DefaultAction.ShouldBe("deny");
        configuration.Warnings.ShouldContain(w => w.Contains("nameResolution component 'mdns'", StringComparison.Ordinal));
        configuration.Warnings.ShouldContain(w => w.Contains("httpPipeline middleware", StringComparison.Ordinal));
        configuration.Warnings.ShouldContain(w => w.Contains("appHttpPipeline middleware", StringComparison.Ordinal));
        configuration.Warnings.ShouldContain(w => w.Contains("api allow/deny", StringComparison.Ordinal));
        configuration.Warnings.ShouldContain(w => w.Contains("mtls.enabled", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_DefaultAllowAccessControl_DoesNotWarn()
    {
        LoadOne("spec: { accessControl: { defaultAction: allow, trustDomain: public } }\n").Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Load_AccessControl_ReadsPoliciesAndOperations()
    {
        var spec = LoadOne("""
            spec:
              accessControl:
                defaultAction: deny
                trustDomain: public
                policies:
                  - appId: gateway
                    defaultAction: deny
                    trustDomain: public
                    namespace: default
                    operations:
                      - name: /orders/**
                        httpVerb: [POST, GET]
                        action: allow
            """).AccessControl.ShouldNotBeNull();

        spec.DefaultAction.ShouldBe("deny");
        var policy = spec.Policies.ShouldNotBeNull().ShouldHaveSingleItem();
        policy.AppId.ShouldBe("gateway");
        policy.Namespace.ShouldBe("default");
        var operation = policy.Operations.ShouldHaveSingleItem();
        operation.Name.ShouldBe("/orders/**");
        operation.HttpVerbs.ShouldBe(["POST", "GET"]);
        operation.Action.ShouldBe("allow");
    }

    [Fact]
    public void Load_AccessControlPolicyWithoutNamespaceOrTrustDomain_FailsAsDaprdDoes()
    {
        var exception = Should.Throw<ResourceLoadException>(() => LoadOne("""
            spec:
              accessControl:
                defaultAction: deny
                policies:
                  - appId: gateway
                    trustDomain: public
                  - appId: orders
                    namespace: default
            """));

        exception.Message.ShouldContain("invalid access control spec. missing trustdomain for apps: [orders], missing namespace for apps: [gateway], missing app name on at least one of the app policies: false");
        exception.Line.ShouldBe(3);
    }

    [Fact]
    public void Load_InvalidYaml_NamesFileAndLine()
    {
        var file = _directory.Write("config.yaml", "spec:\n  tracing:\n    samplingRate: \"1\n");

        var exception = Should.Throw<ResourceLoadException>(() => Load([file]));

        exception.FilePath.ShouldBe(file);
        exception.Message.ShouldStartWith($"{file}: YAML syntax error at line");
    }

    [Fact]
    public void Load_WrongValueType_NamesFileAndField()
    {
        var first = _directory.Write("a.yaml", "spec: { tracing: { samplingRate: \"1\" } }\n");
        var second = _directory.Write("b.yaml", "spec:\n  tracing:\n    stdout: \"yes\"\n");

        var exception = Should.Throw<ResourceLoadException>(() => Load([first, second]));

        exception.Message.ShouldStartWith($"{second}: Configuration (document 1, line 3");
        exception.Message.ShouldContain("spec.tracing.stdout: must be a boolean");
    }

    [Fact]
    public void Load_MissingFile_Fails()
    {
        var missing = Path.Combine(_directory.Path, "missing.yaml");

        Should.Throw<ResourceLoadException>(() => Load([missing])).Message.ShouldBe($"config file '{missing}' does not exist");
    }

    [Fact]
    public void Load_RootNotAMapping_Fails()
    {
        Should.Throw<ResourceLoadException>(() => LoadOne("- a\n")).Message.ShouldContain("must be a mapping");
    }

    [Fact]
    public void Load_EmptyFile_GivesDefaults()
    {
        LoadOne("").TracingEnabled.ShouldBeTrue();
    }
}
