using System.Reflection;
using Dapr;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace BioDapr.Cell.Events;

/// <summary>
/// Refuses to start a cell whose topic declarations (<c>[Topic]</c> on a handler, <c>WithTopic</c> on an endpoint)
/// disagree about one pub/sub topic. Dapr.AspNetCore's <c>MapSubscribeHandler</c> merges all declarations of a
/// (pubsub, topic) into one subscription and settles a disagreement silently or with a log line: the first default
/// route wins, rules of equal priority keep an arbitrary order, one declaration's dead-letter topic applies to all or
/// is lost, one raw-payload declaration makes every handler of the topic receive raw payloads, a route with
/// parameters breaks <c>GET /dapr/subscribe</c>, and a subscriber that does not accept POST gets 405 on every
/// delivery. Each of these stops the cell at start with a message naming the declarations involved.
/// </summary>
internal sealed class TopicDeclarationCheck(EndpointDataSource endpoints) : IHostedLifecycleService
{
    // The endpoints (and so their topic metadata) are all known once the app has started.
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var conflicts = TopicDeclarations.FindConflicts(endpoints.Endpoints);
        if (conflicts.Count > 0)
        {
            throw new InvalidOperationException(
                "The cell's topic subscriptions disagree, so the sidecar would deliver differently from what the code says: "
                + string.Join(" ", conflicts.Select((c, i) => $"({i + 1}) {c}")));
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The rules <see cref="TopicDeclarationCheck"/> applies, one message per conflict.</summary>
internal static class TopicDeclarations
{
    public static IReadOnlyList<string> FindConflicts(IEnumerable<Endpoint> endpoints)
    {
        var conflicts = new List<string>();
        var declarations = new List<Declaration>();
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>())
        {
            foreach (var topic in endpoint.Metadata.GetOrderedMetadata<ITopicMetadata>())
            {
                if (topic.Name is null)
                {
                    continue;
                }

                var declaration = new Declaration(endpoint, topic);
                declarations.Add(declaration);
                if (endpoint.RoutePattern.Parameters.Count > 0)
                {
                    conflicts.Add($"{declaration} has route parameters; the sidecar delivers {declaration.Topic} to one fixed path, so give the subscriber a route without parameters.");
                }

                if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods && !methods.Contains(HttpMethods.Post, StringComparer.OrdinalIgnoreCase))
                {
                    conflicts.Add($"{declaration} does not accept POST, which the sidecar delivers {declaration.Topic} with; map it with MapPost.");
                }
            }
        }

        foreach (var group in declarations.GroupBy(d => (d.Metadata.PubsubName, d.Metadata.Name)))
        {
            // The same declaration twice (a [Topic] and an identical WithTopic on one handler) is one subscription route.
            var distinct = group.DistinctBy(d => (d.Path, d.Metadata.Match, d.Metadata.Priority, d.DeadLetterTopic, d.RawPayload)).ToList();
            var topic = distinct[0].Topic;

            var defaults = distinct.Where(d => string.IsNullOrEmpty(d.Metadata.Match)).DistinctBy(d => d.Path).ToList();
            if (defaults.Count > 1)
            {
                conflicts.Add($"{topic} has {defaults.Count} default routes ({Both(defaults)}); daprd takes one default route per topic, so give all but one a Match rule.");
            }

            var rules = distinct.Where(d => !string.IsNullOrEmpty(d.Metadata.Match)).ToList();
            foreach (var sameMatch in rules.GroupBy(d => d.Metadata.Match, StringComparer.Ordinal).Where(g => g.DistinctBy(d => d.Path).Count() > 1))
            {
                conflicts.Add($"{topic} routes the rule '{sameMatch.Key}' to more than one handler ({Both(sameMatch)}); only the first would ever receive it.");
            }

            foreach (var samePriority in rules.GroupBy(d => d.Metadata.Priority).Where(g => g.DistinctBy(d => d.Metadata.Match).Count() > 1))
            {
                conflicts.Add($"{topic} has rules of equal priority {samePriority.Key} ({Both(samePriority)}); rules are tried in priority order, so give each its own priority.");
            }

            if (distinct.Select(d => d.DeadLetterTopic ?? "").Distinct(StringComparer.Ordinal).Count() > 1)
            {
                conflicts.Add($"{topic} is declared with different dead-letter topics ({string.Join(", ", distinct.Select(d => $"{d}: {d.DeadLetterTopic ?? "none"}"))}); a subscription has one, so declare the same DeadLetterTopic everywhere.");
            }

            if (distinct.Select(d => d.RawPayload).Distinct().Count() > 1)
            {
                conflicts.Add($"{topic} is declared both with and without raw payloads ({string.Join(", ", distinct.Select(d => $"{d}: {(d.RawPayload ? "raw" : "CloudEvent")}"))}); a subscription delivers one way to all its handlers.");
            }
        }

        return conflicts;
    }

    private static string Both(IEnumerable<Declaration> declarations) => string.Join(" and ", declarations.Select(d => d.ToString()));

    private sealed class Declaration(RouteEndpoint endpoint, ITopicMetadata metadata)
    {
        public ITopicMetadata Metadata { get; } = metadata;

        public string Path { get; } = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');

        public string? DeadLetterTopic { get; } = string.IsNullOrEmpty((metadata as IDeadLetterTopicMetadata)?.DeadLetterTopic) ? null : ((IDeadLetterTopicMetadata)metadata).DeadLetterTopic;

        public bool RawPayload { get; } = (metadata as IRawTopicMetadata)?.EnableRawPayload ?? false;

        public string Topic => $"{Metadata.PubsubName}/{Metadata.Name}";

        // "WithTopic on POST /orders/small" or "[Topic] on OrdersApi.OnPaid (POST /orders/paid)", with the rule when there is one.
        public override string ToString()
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } verbs ? string.Join("|", verbs) + " " : "";
            var rule = string.IsNullOrEmpty(Metadata.Match) ? "" : $" [match '{Metadata.Match}', priority {Metadata.Priority}]";
            return DeclaringMethod() is { } method
                ? $"[Topic] on {method.DeclaringType?.Name}.{method.Name} ({methods}{Path}){rule}"
                : $"WithTopic on {methods}{Path}{rule}";
        }

        // A [Topic] written on the handler method; WithTopic leaves no attribute there.
        private MethodInfo? DeclaringMethod()
        {
            var method = endpoint.Metadata.GetMetadata<MethodInfo>();
            return method?.GetCustomAttributes<TopicAttribute>().Any(a =>
                a.PubsubName == Metadata.PubsubName && a.Name == Metadata.Name && a.Match == Metadata.Match && a.Priority == Metadata.Priority) == true
                ? method
                : null;
        }
    }
}
