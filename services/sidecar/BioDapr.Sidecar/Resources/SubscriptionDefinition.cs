namespace BioDapr.Sidecar.Resources;

/// <summary>
/// A subscription of any origin (declarative v1alpha1 or v2alpha1 document, the app's programmatic list,
/// or a streaming subscription), normalised to v2alpha1's shape: v1alpha1's <c>spec.route</c> and
/// programmatic <c>route</c> become <see cref="SubscriptionRoutes.Default"/>.
/// </summary>
/// <param name="Name"><c>metadata.name</c>; for programmatic subscriptions <c>&lt;pubsubname&gt;/&lt;topic&gt;</c>.</param>
/// <param name="PubsubName">The pub/sub component.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Routes">Rules and default path.</param>
/// <param name="Metadata">Subscription metadata passed to the component (for example <c>rawPayload</c>).</param>
/// <param name="DeadLetterTopic">Topic for messages that fail for good; null when none.</param>
/// <param name="BulkSubscribe">Bulk delivery settings; null when not given.</param>
/// <param name="Scopes">App ids the subscription applies to; empty means every app.</param>
/// <param name="Kind">Where the subscription came from.</param>
/// <param name="SourceFile">The file of a declarative subscription; null otherwise.</param>
internal sealed record SubscriptionDefinition(
    string Name,
    string PubsubName,
    string Topic,
    SubscriptionRoutes Routes,
    IReadOnlyDictionary<string, string> Metadata,
    string? DeadLetterTopic,
    BulkSubscribeOptions? BulkSubscribe,
    IReadOnlyList<string> Scopes,
    SubscriptionKind Kind,
    string? SourceFile);
