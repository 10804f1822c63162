namespace BioDapr.Sidecar.Messaging;

/// <summary>The topic is not allowed for this app by the component's scoping metadata (403 <c>ERR_PUBSUB_FORBIDDEN</c>).</summary>
internal sealed class PublishNotAllowedException(string topic, string appId)
    : Exception($"topic {topic} is not allowed for app id {appId}")
{
    public string Topic { get; } = topic;
}
