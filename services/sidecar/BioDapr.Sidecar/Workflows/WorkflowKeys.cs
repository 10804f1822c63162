using System.Globalization;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// Where workflow state lives in the actor state store. The instance keys follow daprd exactly
/// (pkg/runtime/wfengine/state/state.go, pkg/actors/targets/workflow/common/common.go): the actor type
/// <c>dapr.internal.{namespace}.{appId}.workflow</c>, actor id = instance id, and the actor state keys
/// <c>metadata</c> (BackendWorkflowStateMetadata), <c>inbox-NNNNNN</c> and <c>history-NNNNNN</c>
/// (HistoryEvent, zero-padded to six digits), <c>customStatus</c> (StringValue), all protobuf bytes, under
/// the actor key prefix <c>{appId}||{actorType}||{instanceId}||</c>. daprd keeps its timers and pending
/// dispatches in the Scheduler service; the development sidecar has none, so it keeps the equivalent
/// under its own prefix <c>biodapr||workflows||{appId}||…</c> in the same store, written in the same
/// transaction as the instance (see docs/workflows.md).
/// </summary>
internal sealed class WorkflowKeys
{
    public const string MetadataKey = "metadata";
    public const string CustomStatusKey = "customStatus";
    public const string PropagatedHistoryKey = "propagated-history";
    public const string InboxPrefix = "inbox";
    public const string HistoryPrefix = "history";

    public WorkflowKeys(string appId, string ns)
    {
        AppId = appId;
        Namespace = ns;
        WorkflowActorType = $"dapr.internal.{ns}.{appId}.workflow";
        ActivityActorType = $"dapr.internal.{ns}.{appId}.activity";
    }

    public string AppId { get; }

    public string Namespace { get; }

    /// <summary><c>dapr.internal.{namespace}.{appId}.workflow</c>.</summary>
    public string WorkflowActorType { get; }

    /// <summary><c>dapr.internal.{namespace}.{appId}.activity</c>.</summary>
    public string ActivityActorType { get; }

    /// <summary>The namespace daprd uses: <c>NAMESPACE</c>, else <c>default</c> (pkg/security CurrentNamespace).</summary>
    public static string NamespaceFrom(Func<string, string?> getEnvironmentVariable) =>
        getEnvironmentVariable("NAMESPACE") is { } ns ? ns : "default";

    /// <summary>The stored key of one actor state key of an instance.</summary>
    public string Instance(string instanceId, string key) => $"{AppId}||{WorkflowActorType}||{instanceId}||{key}";

    /// <summary><c>prefix-NNNNNN</c> as daprd's getMultiEntryKeyName.</summary>
    public static string Entry(string prefix, int index) => prefix + "-" + index.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The KEYS_LIKE pattern daprd's ListInstanceIDs uses.</summary>
    public string MetadataPattern => $"{AppId}||{WorkflowActorType}||%||{MetadataKey}";

    /// <summary>Present while an instance is not in a terminal state (the stand-in for its Scheduler reminders).</summary>
    public string ActiveMarker(string instanceId) => $"biodapr||workflows||{AppId}||active||{instanceId}";

    public string ActiveMarkerPattern => $"biodapr||workflows||{AppId}||active||%";

    /// <summary>A message from one instance to another not yet delivered (child start, child result, raised event, terminate).</summary>
    public string Outbox(string sourceInstanceId, ulong generation, string unique) =>
        $"biodapr||workflows||{AppId}||outbox||{sourceInstanceId}||{generation.ToString(CultureInfo.InvariantCulture)}-{unique}";

    public string OutboxPattern => $"biodapr||workflows||{AppId}||outbox||%";

    /// <summary>The instance id inside a stored key of this app's prefix, or null.</summary>
    public string? InstanceIdOfMetadataKey(string key)
    {
        var parts = key.Split("||");
        return parts.Length == 4 && parts[0] == AppId && parts[1] == WorkflowActorType && parts[3] == MetadataKey ? parts[2] : null;
    }
}
