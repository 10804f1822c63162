namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>Component documents for the tests.</summary>
internal static class Yaml
{
    public static string Component(string name, string type, params (string Name, string Value)[] metadata) =>
        $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: {type}
          version: v1
          metadata:
        {string.Concat(metadata.Select(m => $"    - name: {m.Name}\n      value: \"{m.Value}\"\n"))}
        """ + (metadata.Length == 0 ? "    []\n" : string.Empty);

    /// <summary>state.redis, pubsub.redis (quick redelivery), configuration.redis and a local file secret store.</summary>
    public static Dictionary<string, string> RedisComponents(string redisHost, string secretsFile) => new()
    {
        ["statestore.yaml"] = Component("statestore", "state.redis", ("redisHost", redisHost), ("actorStateStore", "true")),
        ["pubsub.yaml"] = Component("pubsub", "pubsub.redis", ("redisHost", redisHost), ("processingTimeout", "2s"), ("redeliverInterval", "500ms")),
        ["config.yaml"] = Component("configstore", "configuration.redis", ("redisHost", redisHost)),
        ["secrets.yaml"] = Component("secretstore", "secretstores.local.file", ("secretsFile", secretsFile)),
    };
}
