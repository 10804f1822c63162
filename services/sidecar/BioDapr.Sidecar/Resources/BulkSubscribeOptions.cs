namespace BioDapr.Sidecar.Resources;

/// <summary>A subscription's <c>bulkSubscribe</c> settings (0 means the component's default for the counts).</summary>
internal sealed record BulkSubscribeOptions(bool Enabled, int MaxMessagesCount, int MaxAwaitDurationMs);
