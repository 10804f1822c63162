using BioDapr.Sidecar.Deployment;

namespace BioDapr.Sidecar.Tests.Deployment;

public sealed class AcaComponentTranslatorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biodapr-aca-").FullName;

    [Fact]
    public void SpecFieldsMoveToTheTopLevel_SecretKeyRefBecomesSecretRef_AndScopesStay()
    {
        Write("state.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              initTimeout: 30s
              ignoreErrors: true
              metadata:
                - name: redisHost
                  value: cache:6380
                - name: redisPassword
                  secretKeyRef:
                    name: redis-password
                    key: redis-password
            auth:
              secretStore: vault
            scopes: [orders, inventory]
            """);

        var component = AcaComponentTranslator.Translate([_directory], values: null).ShouldHaveSingleItem();

        component.Name.ShouldBe("statestore");
        var json = component.Properties.ToJsonString();
        json.ShouldBe("""{"componentType":"state.redis","version":"v1","ignoreErrors":true,"initTimeout":"30s","metadata":[{"name":"redisHost","value":"cache:6380"},{"name":"redisPassword","secretRef":"redis-password"}],"secretStoreComponent":"vault","scopes":["orders","inventory"]}""");
    }

    [Fact]
    public void EnvRef_IsKeptForBicep_OrResolvedFromValues_AndAMissingValueIsNamed()
    {
        Write("bus.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: pubsub }
            spec:
              type: pubsub.azure.servicebus.topics
              version: v1
              metadata:
                - name: namespaceName
                  envRef: SERVICEBUS_NAMESPACE
            """);

        var kept = AcaComponentTranslator.Translate([_directory], values: null).Single();
        var resolved = AcaComponentTranslator.Translate([_directory], new Dictionary<string, string> { ["SERVICEBUS_NAMESPACE"] = "bus.servicebus.windows.net" }).Single();
        var missing = Should.Throw<AcaTranslationException>(() => AcaComponentTranslator.Translate([_directory], new Dictionary<string, string>()));

        kept.Properties["metadata"]![0]!.ToJsonString().ShouldBe("""{"name":"namespaceName","envRef":"SERVICEBUS_NAMESPACE"}""");
        resolved.Properties["metadata"]![0]!.ToJsonString().ShouldBe("""{"name":"namespaceName","value":"bus.servicebus.windows.net"}""");
        missing.Message.ShouldContain("SERVICEBUS_NAMESPACE");
        missing.Message.ShouldContain("bus.yaml");
        AcaComponentTranslator.ToYaml(resolved).ShouldContain("componentType: \"pubsub.azure.servicebus.topics\"\nversion: \"v1\"\nmetadata:\n  - name: \"namespaceName\"\n    value: \"bus.servicebus.windows.net\"\n");
    }

    [Theory]
    [InlineData("secretstores.local.file")]
    [InlineData("secretstores.local.env")]
    public void LocalSecretStores_AreRefused_NamingTheFile(string type)
    {
        Write("secrets.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: {"{"} name: secretstore {"}"}
            spec: {"{"} type: {type}, version: v1, metadata: [] {"}"}
            """);

        var error = Should.Throw<AcaTranslationException>(() => AcaComponentTranslator.Translate([_directory], values: null));

        error.Message.ShouldContain("secrets.yaml");
        error.Message.ShouldContain("does not support");
    }

    [Fact]
    public async Task Command_Check_FailsWhenTheOutputIsStale_AndPassesAfterWriting()
    {
        Write("config.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata: { name: hormones }
            spec: { type: configuration.redis, version: v1, metadata: [ { name: redisHost, value: "localhost:6379" } ] }
            """);
        var output = Path.Combine(_directory, "out", "components.json");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var stale = await AcaComponentsCommand.ExecuteAsync([_directory, "--out", output, "--check"], stdout, stderr);
        var write = await AcaComponentsCommand.ExecuteAsync([_directory, "--out", output], stdout, stderr);
        var fresh = await AcaComponentsCommand.ExecuteAsync([_directory, "--out", output, "--check"], stdout, stderr);
        var badFlag = await AcaComponentsCommand.ExecuteAsync([_directory, "--outt", output], stdout, stderr);

        stale.ShouldBe(1);
        write.ShouldBe(0);
        fresh.ShouldBe(0);
        badFlag.ShouldBe(2);
        stderr.ToString().ShouldContain("out of date");
        stderr.ToString().ShouldContain("unknown flag --outt");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void Write(string name, string content) => File.WriteAllText(Path.Combine(_directory, name), content);
}
