using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Cell.Events;

/// <summary>What BioDapr adds to a subscriber declared with Dapr.AspNetCore's <c>WithTopic</c>.</summary>
public static class TopicEndpointExtensions
{
    /// <summary>
    /// Accepts events on this subscriber only from <paramref name="appIds"/> (the CloudEvent <c>source</c>, which the
    /// publishing sidecar sets to its app id); an event from anyone else is answered DROP and logged, without calling
    /// the handler. A publisher can still claim another source (daprd honours <c>metadata.cloudevent.source</c> and
    /// the <c>source</c> of a whole CloudEvent it is given), so this completes the pub/sub component's
    /// <c>publishingScopes</c>, which decide who may publish on the topic at all.
    /// </summary>
    public static TBuilder AcceptFrom<TBuilder>(this TBuilder builder, params string[] appIds)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(appIds);
        if (appIds.Length == 0 || appIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("name at least one app id, none of them empty", nameof(appIds));
        }

        var accepted = new HashSet<string>(appIds, StringComparer.Ordinal);
        builder.WithMetadata(new TopicSourcesMetadata(accepted));
        builder.AddEndpointFilter(new TopicSourceFilter(accepted));
        return builder;
    }
}
