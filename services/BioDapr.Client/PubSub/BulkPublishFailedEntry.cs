namespace BioDapr.Client;

/// <summary>An entry of a bulk publish that the broker did not accept.</summary>
/// <param name="EntryId">The entry's id.</param>
/// <param name="Error">Why it failed.</param>
public sealed record BulkPublishFailedEntry(string EntryId, string Error);
