using BioDapr.Sidecar.Components.PubSub;

namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// A loaded pub/sub component with its topic scoping (component metadata <c>publishingScopes</c>,
/// <c>subscriptionScopes</c>, <c>allowedTopics</c>, <c>protectedTopics</c>), as daprd keeps it.
/// </summary>
internal sealed record PubSubEntry(
    string Name,
    IPubSub Component,
    IReadOnlyList<string> AllowedTopics,
    IReadOnlyList<string> ProtectedTopics,
    IReadOnlyList<string> ScopedPublishings,
    IReadOnlyList<string> ScopedSubscriptions,
    string TopicPrefix)
{
    /// <summary>Builds the scoping from the component's metadata for one app.</summary>
    public static PubSubEntry Create(string name, IPubSub component, IReadOnlyDictionary<string, string> metadata, string appId, string topicPrefix) =>
        new(
            name,
            component,
            TopicList(Find(metadata, "allowedTopics")),
            TopicList(Find(metadata, "protectedTopics")),
            ScopedTopics(Find(metadata, "publishingScopes"), appId),
            ScopedTopics(Find(metadata, "subscriptionScopes"), appId),
            topicPrefix);

    /// <summary>daprd's rule: allowed topics first, then protected topics need an explicit scope, then scopes.</summary>
    public bool IsPublishAllowed(string topic) => IsOperationAllowed(topic, ScopedPublishings);

    /// <summary>The same rule with the subscription scopes.</summary>
    public bool IsSubscribeAllowed(string topic) => IsOperationAllowed(topic, ScopedSubscriptions);

    private bool IsOperationAllowed(string topic, IReadOnlyList<string> scopedTopics)
    {
        if (AllowedTopics.Count > 0 && !AllowedTopics.Contains(topic))
        {
            return false;
        }

        var isProtected = ProtectedTopics.Contains(topic);
        if (!isProtected && scopedTopics.Count == 0)
        {
            return true;
        }

        return scopedTopics.Contains(topic);
    }

    private static string? Find(IReadOnlyDictionary<string, string> metadata, string name) =>
        metadata.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static List<string> TopicList(string? value) =>
        string.IsNullOrEmpty(value)
            ? []
            : value.Replace(" ", string.Empty, StringComparison.Ordinal).Split(',').Distinct(StringComparer.Ordinal).ToList();

    // "app1=t1,t2;app2=t3": the topics listed for this app.
    private static List<string> ScopedTopics(string? value, string appId)
    {
        var topics = new List<string>();
        if (string.IsNullOrEmpty(value))
        {
            return topics;
        }

        foreach (var app in value.Replace(" ", string.Empty, StringComparison.Ordinal).Split(';'))
        {
            var parts = app.Split('=');
            if (parts.Length < 2 || parts[0] != appId)
            {
                continue;
            }

            foreach (var topic in parts[1].Split(','))
            {
                if (!topics.Contains(topic))
                {
                    topics.Add(topic);
                }
            }
        }

        return topics;
    }
}
