namespace BioDapr.Sidecar.BuildingBlocks;

/// <summary>One entry of a bulk publish: the event bytes (already decoded from the wire), its content type and own metadata.</summary>
/// <param name="EntryId">The caller's id for the entry; must be present and unique.</param>
/// <param name="Event">The event bytes.</param>
/// <param name="ContentType">The event's content type.</param>
/// <param name="Metadata">The entry's metadata; null when the entry had none (then request metadata does not apply either).</param>
internal sealed record PublishEntry(string? EntryId, ReadOnlyMemory<byte> Event, string ContentType, IReadOnlyDictionary<string, string>? Metadata);

/// <summary>One entry a bulk publish could not publish.</summary>
internal sealed record FailedPublishEntry(string EntryId, string Error);
