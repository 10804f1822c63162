namespace BioDapr.Client;

/// <summary>
/// Options of one publish. Everything here travels as <c>metadata.*</c> query parameters, which daprd
/// passes to the component and uses to adjust the CloudEvent envelope.
/// </summary>
public sealed record PublishEventOptions
{
    /// <summary>Extra request metadata (sent as <c>metadata.&lt;key&gt;=&lt;value&gt;</c>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>
    /// Message time-to-live in seconds (<c>metadata.ttlInSeconds</c>). For brokers without native TTL,
    /// daprd adds an <c>expiration</c> to the envelope and subscribers drop the message once it passed.
    /// </summary>
    public int? TtlInSeconds { get; init; }

    /// <summary>Overrides the envelope's <c>id</c> (<c>metadata.cloudevent.id</c>).</summary>
    public string? CloudEventId { get; init; }

    /// <summary>Overrides the envelope's <c>source</c> (<c>metadata.cloudevent.source</c>).</summary>
    public string? CloudEventSource { get; init; }

    /// <summary>Overrides the envelope's <c>type</c> (<c>metadata.cloudevent.type</c>).</summary>
    public string? CloudEventType { get; init; }

    /// <summary>Sets the envelope's <c>subject</c> (<c>metadata.cloudevent.subject</c>).</summary>
    public string? CloudEventSubject { get; init; }

    /// <summary>Collects every metadata entry these options produce, in a stable order.</summary>
    internal IEnumerable<KeyValuePair<string, string>> ToMetadata()
    {
        if (Metadata is not null)
        {
            foreach (var pair in Metadata)
            {
                yield return pair;
            }
        }

        if (TtlInSeconds is { } ttl)
        {
            yield return new("ttlInSeconds", ttl.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (CloudEventId is not null)
        {
            yield return new("cloudevent.id", CloudEventId);
        }

        if (CloudEventSource is not null)
        {
            yield return new("cloudevent.source", CloudEventSource);
        }

        if (CloudEventType is not null)
        {
            yield return new("cloudevent.type", CloudEventType);
        }

        if (CloudEventSubject is not null)
        {
            yield return new("cloudevent.subject", CloudEventSubject);
        }
    }
}
