namespace BioDapr.Sidecar.IntegrationTests.Infrastructure;

/// <summary>Resource documents used by the tests.</summary>
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

    public static string InMemoryPubSub(string name = "pubsub", params (string Name, string Value)[] metadata) => Component(name, "pubsub.in-memory", metadata);

    public static string InMemoryState(string name = "statestore") => Component(name, "state.in-memory", ("actorStateStore", "true"));

    public static string Subscription(string pubsub, string topic, string route, string? deadLetterTopic = null, string name = "sub") =>
        $"""
        apiVersion: dapr.io/v2alpha1
        kind: Subscription
        metadata:
          name: {name}
        spec:
          pubsubname: {pubsub}
          topic: {topic}
          routes:
            default: {route}
        {(deadLetterTopic is null ? string.Empty : $"  deadLetterTopic: {deadLetterTopic}\n")}
        """;

    public static string InboundRetry(string pubsub, int maxRetries, string duration = "50ms") =>
        $"""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: retries
        spec:
          policies:
            retries:
              fast:
                policy: constant
                duration: {duration}
                maxRetries: {maxRetries}
          targets:
            components:
              {pubsub}:
                inbound:
                  retry: fast
        """;
}
