using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Cell.Events;

/// <summary>Declares subscriptions next to the endpoint that handles them.</summary>
public static class TopicEndpointExtensions
{
    /// <summary>
    /// Subscribes this endpoint to <paramref name="topic"/> of <paramref name="pubsubName"/>: it is listed at
    /// <c>GET /dapr/subscribe</c>, and malformed CloudEvents bound to it, or events from a source it does not accept, are answered DROP instead of failing.
    /// </summary>
    public static TBuilder WithTopic<TBuilder>(this TBuilder builder, string pubsubName, string topic, Action<TopicOptions>? configure = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pubsubName);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        var options = new TopicOptions();
        configure?.Invoke(options);
        builder.WithMetadata(new TopicSubscriptionMetadata(pubsubName, topic, options));
        builder.AddEndpointFilter(new CloudEventBindingFilter(options));
        return builder;
    }
}
