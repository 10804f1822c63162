namespace BioDapr.Recycling.DeadLetters;

/// <summary>
/// One event a cell could not handle, as its sidecar moved it to the dead-letter stream.
/// </summary>
/// <param name="EntryId">The stream entry id (its first part is the moment it was dead-lettered, in Unix milliseconds).</param>
/// <param name="DeadLetteredAt">When it was dead-lettered.</param>
/// <param name="OriginalTopic">The topic it was published on (the CloudEvent's <c>topic</c>); null for a raw payload.</param>
/// <param name="EventId">The CloudEvent id (replays keep it, so a subscriber can tell a repeat).</param>
/// <param name="Type">The CloudEvent type.</param>
/// <param name="Source">The CloudEvent source (the publishing app).</param>
/// <param name="Data">The entry's <c>data</c> field as stored.</param>
public sealed record DeadLetter(
    string EntryId, DateTimeOffset DeadLetteredAt, string? OriginalTopic, string? EventId, string? Type, string? Source, byte[] Data);
