using System.Text.Json;

namespace BioDapr.Client;

// Shapes of daprd response bodies that the public API does not expose as they are.

/// <summary>daprd's error body: <c>{"errorCode":"ERR_…","message":"…"}</c>.</summary>
internal sealed record DaprErrorBody(string? ErrorCode, string? Message);

/// <summary>The answer of a configuration subscribe: <c>{"id":"…"}</c>.</summary>
internal sealed record ConfigurationSubscribeBody(string? Id);

/// <summary>The answer of a configuration unsubscribe: <c>{"ok":true}</c> or <c>{"ok":false,"message":"…"}</c>.</summary>
internal sealed record ConfigurationUnsubscribeBody(bool Ok, string? Message);

/// <summary>The failure body of a bulk publish.</summary>
internal sealed record BulkPublishResponseBody(IReadOnlyList<BulkPublishFailedEntryBody>? FailedEntries, string? ErrorCode);

/// <summary>One failed entry of a bulk publish.</summary>
internal sealed record BulkPublishFailedEntryBody(string? EntryId, string? Error);

/// <summary>One item of a bulk state get.</summary>
internal sealed record BulkGetItemBody(string? Key, JsonElement? Data, string? Etag, Dictionary<string, string>? Metadata, string? Error);
