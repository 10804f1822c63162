using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BioDapr.Cell.Events;

/// <summary>
/// The app's programmatic subscriptions, built from the endpoints declared with <c>WithTopic</c>: one
/// entry per (pub/sub, topic) with its routing rules (by priority), its default route and dead-letter
/// topic, in the JSON daprd reads from <c>GET /dapr/subscribe</c>.
/// </summary>
public sealed class SubscriptionCatalog(EndpointDataSource endpoints)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private byte[]? _json;

    /// <summary>The subscriptions; throws <see cref="InvalidOperationException"/> naming the conflict when declarations disagree.</summary>
    public IReadOnlyList<Subscription> Build()
    {
        var declared = new List<(string Path, TopicSubscriptionMetadata Topic, int Order)>();
        var order = 0;
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            foreach (var topic in endpoint.Metadata.GetOrderedMetadata<TopicSubscriptionMetadata>())
            {
                var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
                if (methods is { Count: > 0 } && !methods.Contains(HttpMethods.Post))
                {
                    throw new InvalidOperationException($"the endpoint {endpoint.RoutePattern.RawText} subscribes to {topic.PubSubName}/{topic.Topic} but does not accept POST, which the sidecar uses to deliver");
                }

                declared.Add(("/" + endpoint.RoutePattern.RawText!.TrimStart('/'), topic, order++));
            }
        }

        var subscriptions = new List<Subscription>();
        foreach (var group in declared.GroupBy(d => (d.Topic.PubSubName, d.Topic.Topic)))
        {
            var name = $"{group.Key.PubSubName}/{group.Key.Topic}";
            var defaults = group.Where(d => d.Topic.Options.Match is null).ToList();
            if (defaults.Count > 1)
            {
                throw new InvalidOperationException($"{name} has several default routes ({string.Join(", ", defaults.Select(d => d.Path))}); give all but one a Match rule");
            }

            var deadLetters = group.Select(d => d.Topic.Options.DeadLetterTopic).Where(t => t is not null).Distinct().ToList();
            if (deadLetters.Count > 1)
            {
                throw new InvalidOperationException($"{name} declares different dead-letter topics ({string.Join(", ", deadLetters)})");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in group.SelectMany(d => d.Topic.Options.Metadata))
            {
                if (metadata.TryGetValue(key, out var existing) && existing != value)
                {
                    throw new InvalidOperationException($"{name} declares metadata '{key}' twice with different values ('{existing}', '{value}')");
                }

                metadata[key] = value;
            }

            var rules = group.Where(d => d.Topic.Options.Match is not null)
                .OrderBy(d => d.Topic.Options.Priority).ThenBy(d => d.Order)
                .Select(d => new SubscriptionRule(d.Topic.Options.Match!, d.Path))
                .ToList();
            subscriptions.Add(new Subscription(
                group.Key.PubSubName,
                group.Key.Topic,
                new SubscriptionRoutes(rules, defaults.SingleOrDefault().Path),
                deadLetters.SingleOrDefault(),
                metadata.Count > 0 ? metadata : null));
        }

        return subscriptions;
    }

    /// <summary>The JSON answer for <c>GET /dapr/subscribe</c> (computed once).</summary>
    public byte[] ToJson() => _json ??= JsonSerializer.SerializeToUtf8Bytes(Build(), Json);

    /// <summary>One programmatic subscription as daprd reads it.</summary>
    public sealed record Subscription(
        [property: JsonPropertyName("pubsubname")] string PubSubName,
        string Topic,
        SubscriptionRoutes Routes,
        string? DeadLetterTopic,
        IReadOnlyDictionary<string, string>? Metadata);

    /// <summary>Routing rules and the default route.</summary>
    public sealed record SubscriptionRoutes(IReadOnlyList<SubscriptionRule> Rules, string? Default);

    /// <summary>A CEL rule and the path it routes to.</summary>
    public sealed record SubscriptionRule(string Match, string Path);
}
