using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Tracing;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>
/// Publishing (neurotransmitters): daprd's validation order, CloudEvent envelopes (unless
/// <c>rawPayload</c>), topic scoping and the component's outbound policy (through <see cref="Publisher"/>),
/// and daprd's errors. Every method throws <see cref="DaprApiException"/>.
/// </summary>
internal sealed class PubSubService(ComponentStore components, Publisher publisher, string appId, TimeProvider time)
{
    private const int BulkParallelism = 100;

    /// <summary>daprd's checks before anything is read: components, name, topic, then the <c>rawPayload</c> flag.</summary>
    public (PubSubEntry PubSub, bool RawPayload) Validate(string pubsubName, string topic, IReadOnlyDictionary<string, string> metadata)
    {
        if (components.PubSubs.Count == 0)
        {
            throw new DaprApiException(DaprErrors.PubSubNotConfigured(pubsubName, metadata));
        }

        if (pubsubName.Length == 0)
        {
            throw new DaprApiException(DaprErrors.PubSubNameEmpty(metadata));
        }

        if (!components.PubSubs.TryGetValue(pubsubName, out var pubsub))
        {
            throw new DaprApiException(DaprErrors.PubSubNotFound(pubsubName, metadata));
        }

        if (topic.Length == 0)
        {
            throw new DaprApiException(DaprErrors.PubSubTopicEmpty(pubsubName, metadata));
        }

        return (pubsub, IsRawPayload(pubsubName, metadata));
    }

    /// <summary>
    /// Publishes one event. <paramref name="traceInRawMetadata"/>: the gRPC API puts the span's trace id and
    /// state into the metadata of a raw payload (the HTTP API does not).
    /// </summary>
    public async Task PublishAsync(
        string pubsubName,
        string topic,
        ReadOnlyMemory<byte> data,
        string? contentType,
        IReadOnlyDictionary<string, string> metadata,
        TraceContext? span,
        bool traceInRawMetadata,
        CancellationToken cancellationToken)
    {
        var (pubsub, rawPayload) = Validate(pubsubName, topic, metadata);
        var payload = data;
        IReadOnlyDictionary<string, string> published = metadata;
        if (!rawPayload)
        {
            payload = Envelope(pubsubName, topic, contentType, data, metadata, span);
        }
        else if (traceInRawMetadata)
        {
            published = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
            {
                ["traceid"] = span?.TraceParent ?? string.Empty,
                ["tracestate"] = span?.TraceState ?? string.Empty,
            };
        }

        try
        {
            await publisher.PublishAsync(pubsub, topic, payload, published, cancellationToken);
        }
        catch (PublishNotAllowedException)
        {
            throw new DaprApiException(DaprErrors.PubSubForbidden(pubsubName, topic, appId));
        }
        catch (PubSubPublishException ex)
        {
            throw new DaprApiException(DaprErrors.PubSubPublishMessage(pubsubName, topic, ex.Message));
        }
    }

    /// <summary>
    /// Publishes the entries one by one, up to 100 at once (Redis has no native bulk publish; daprd's
    /// default bulk publisher does the same). Returns the entries that failed; throws for request errors. Each entry
    /// wrapped in a CloudEvent gets its span from <paramref name="spans"/> (the caller ends them with the call's outcome).
    /// </summary>
    public async Task<IReadOnlyList<FailedPublishEntry>> BulkPublishAsync(
        string pubsubName,
        string topic,
        IReadOnlyList<PublishEntry> entries,
        IReadOnlyDictionary<string, string> metadata,
        BulkPublishSpans? spans,
        CancellationToken cancellationToken)
    {
        var (pubsub, rawPayload) = Validate(pubsubName, topic, metadata);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var messages = new List<(string EntryId, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string>? Metadata)>(entries.Count);
        foreach (var entry in entries)
        {
            if (string.IsNullOrEmpty(entry.EntryId) || !seen.Add(entry.EntryId))
            {
                throw new DaprApiException(DaprErrors.PubSubMarshalEvents(pubsubName, topic, appId, "entryId is duplicated or not present for entry"));
            }

            // Request-level metadata reaches an entry only when the entry has its own metadata.
            Dictionary<string, string>? entryMetadata = null;
            if (entry.Metadata is not null)
            {
                entryMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
                foreach (var (key, value) in entry.Metadata)
                {
                    entryMetadata[key] = value;
                }
            }

            var data = rawPayload
                ? entry.Event
                : Envelope(pubsubName, topic, entry.ContentType, entry.Event, entryMetadata ?? new Dictionary<string, string>(), spans?.StartEntry());
            messages.Add((entry.EntryId, data, entryMetadata));
        }

        try
        {
            // Redis has no native bulk publish: daprd publishes the entries one by one, up to 100 at once,
            // after checking the topic's scoping once for the whole request.
            var failed = await publisher.BulkPublishAsync(pubsub, topic, messages, BulkParallelism, cancellationToken);
            return [.. failed.Select(f => new FailedPublishEntry(f.EntryId, f.Error))];
        }
        catch (PublishNotAllowedException)
        {
            throw new DaprApiException(DaprErrors.PubSubForbidden(pubsubName, topic, appId));
        }
    }

    private byte[] Envelope(string pubsubName, string topic, string? contentType, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, TraceContext? span)
    {
        try
        {
            return CloudEventEnvelope.Create(
                new EnvelopeRequest(appId, topic, pubsubName, contentType, data, span?.TraceParent ?? string.Empty, span?.TraceState ?? string.Empty),
                metadata,
                time.GetLocalNow());
        }
        catch (CloudEventCreationException ex)
        {
            throw new DaprApiException(DaprErrors.PubSubCloudEventCreation(pubsubName, appId, ex.Message));
        }
    }

    // Go's strconv.ParseBool on metadata "rawPayload" (exact key).
    private static bool IsRawPayload(string pubsubName, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("rawPayload", out var value) || value.Length == 0)
        {
            return false;
        }

        return GoStrconv.TryParseBool(value, out var rawPayload)
            ? rawPayload
            : throw new DaprApiException(DaprErrors.PubSubMetadataDeserialize(pubsubName, $"rawPayload value must be a valid boolean: actual is '{value}'", metadata));
    }
}
