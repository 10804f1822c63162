using System.Net;

namespace BioDapr.Client;

/// <summary>
/// The outcome of a bulk publish. daprd publishes the entries independently (for brokers without
/// native bulk publish), so some may fail while others were delivered.
/// </summary>
public sealed record BulkPublishResult
{
    /// <summary>The result of a request where every entry was published.</summary>
    public static BulkPublishResult Success { get; } = new();

    /// <summary>The entries that failed; empty when all were published.</summary>
    public IReadOnlyList<BulkPublishFailedEntry> FailedEntries { get; init; } = [];

    /// <summary>daprd's error code for the failures (<c>ERR_PUBSUB_PUBLISH_MESSAGE</c>), or null.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The HTTP status daprd answered with (204 when everything was published).</summary>
    public HttpStatusCode StatusCode { get; init; } = HttpStatusCode.NoContent;

    /// <summary>True when no entry failed.</summary>
    public bool AllPublished => FailedEntries.Count == 0;
}
