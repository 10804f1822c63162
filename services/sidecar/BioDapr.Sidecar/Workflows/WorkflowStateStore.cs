using BioDapr.Sidecar.Components.State;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// Reads and writes workflow instances in the actor state store with daprd's layout (see <see cref="WorkflowKeys"/>).
/// Every change of an instance is one transaction: new history keys, the rewritten inbox, <c>customStatus</c> (when
/// the history changed, as daprd), <c>metadata</c> last, plus the active marker and outbox messages.
/// </summary>
internal sealed class WorkflowStateStore(IStateStore store, WorkflowKeys keys)
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private static readonly StateGetOptions GetOptions = new(StateConsistency.Strong, NoMetadata);

    public WorkflowKeys Keys => keys;

    public bool CanList => store is IStateKeysLister;

    /// <summary>Loads an instance into <paramref name="instance"/>; false when the store has none.</summary>
    public async Task<bool> LoadAsync(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        var metadataItem = await store.GetAsync(keys.Instance(instance.Id, WorkflowKeys.MetadataKey), GetOptions, cancellationToken);
        if (metadataItem is null || metadataItem.Data.Length == 0)
        {
            return false;
        }

        var metadata = BackendWorkflowStateMetadata.Parser.ParseFrom(metadataItem.Data.Span);
        const ulong limit = 1_000_000; // daprd's maxStateEntries
        if (metadata.InboxLength > limit || metadata.HistoryLength > limit)
        {
            throw new InvalidDataException($"workflow '{instance.Id}' metadata declares {metadata.HistoryLength} history and {metadata.InboxLength} inbox entries, more than {limit}");
        }

        var inboxTasks = Enumerable.Range(0, (int)metadata.InboxLength)
            .Select(i => store.GetAsync(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.InboxPrefix, i)), GetOptions, cancellationToken)).ToList();
        var historyTasks = Enumerable.Range(0, (int)metadata.HistoryLength)
            .Select(i => store.GetAsync(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.HistoryPrefix, i)), GetOptions, cancellationToken)).ToList();
        var customStatusTask = store.GetAsync(keys.Instance(instance.Id, WorkflowKeys.CustomStatusKey), GetOptions, cancellationToken);
        var activeTask = store.GetAsync(keys.ActiveMarker(instance.Id), GetOptions, cancellationToken);
        await Task.WhenAll(inboxTasks.Cast<Task>().Concat(historyTasks).Append(customStatusTask).Append(activeTask));

        instance.Reset();
        instance.Generation = metadata.Generation == 0 ? 1 : metadata.Generation;
        for (var i = 0; i < historyTasks.Count; i++)
        {
            var item = await historyTasks[i] ?? throw new InvalidDataException($"workflow '{instance.Id}': history key {WorkflowKeys.Entry(WorkflowKeys.HistoryPrefix, i)} declared in metadata is missing");
            instance.History.Add(HistoryEvent.Parser.ParseFrom(item.Data.Span));
        }

        for (var i = 0; i < inboxTasks.Count; i++)
        {
            var item = await inboxTasks[i] ?? throw new InvalidDataException($"workflow '{instance.Id}': inbox key {WorkflowKeys.Entry(WorkflowKeys.InboxPrefix, i)} declared in metadata is missing");
            instance.Inbox.Add(new InboxEntry(HistoryEvent.Parser.ParseFrom(item.Data.Span), Persisted: true));
        }

        if (await customStatusTask is { Data.Length: > 0 } customStatus)
        {
            instance.CustomStatus = StringValue.Parser.ParseFrom(customStatus.Data.Span).Value;
        }

        instance.Exists = true;
        instance.StoredHistory = instance.History.Count;
        instance.StoredInbox = instance.Inbox.Count;
        instance.InboxDirty = false;
        instance.StoredActive = await activeTask is not null;
        instance.ContinuedAsNew = instance.Generation > 1 && instance.History.Count == 0;
        instance.Touch();
        return true;
    }

    /// <summary>Saves what changed in <paramref name="instance"/> (plus <paramref name="extra"/> operations) in one transaction.</summary>
    public async Task SaveAsync(WorkflowInstance instance, bool active, IReadOnlyList<StateOperation>? extra, CancellationToken cancellationToken)
    {
        var operations = new List<StateOperation>();
        var historyChanged = instance.StoredHistory != instance.History.Count;
        var firstNew = Math.Min(instance.StoredHistory, instance.History.Count);
        for (var i = firstNew; i < instance.History.Count; i++)
        {
            operations.Add(Upsert(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.HistoryPrefix, i)), instance.History[i].ToByteArray()));
        }

        for (var i = instance.History.Count; i < instance.StoredHistory; i++)
        {
            operations.Add(Delete(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.HistoryPrefix, i))));
        }

        var persistedInbox = instance.Inbox.Where(e => e.Persisted).ToList();
        if (instance.InboxDirty)
        {
            for (var i = 0; i < persistedInbox.Count; i++)
            {
                operations.Add(Upsert(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.InboxPrefix, i)), persistedInbox[i].Event.ToByteArray()));
            }

            for (var i = persistedInbox.Count; i < instance.StoredInbox; i++)
            {
                operations.Add(Delete(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.InboxPrefix, i))));
            }
        }

        if (historyChanged)
        {
            operations.Add(Upsert(keys.Instance(instance.Id, WorkflowKeys.CustomStatusKey), new StringValue { Value = instance.CustomStatus ?? string.Empty }.ToByteArray()));
        }

        if (active != instance.StoredActive)
        {
            operations.Add(active
                ? Upsert(keys.ActiveMarker(instance.Id), new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = instance.Id }.ToByteArray())
                : Delete(keys.ActiveMarker(instance.Id)));
        }

        if (extra is not null)
        {
            operations.AddRange(extra);
        }

        operations.Add(Upsert(keys.Instance(instance.Id, WorkflowKeys.MetadataKey), new BackendWorkflowStateMetadata
        {
            InboxLength = (ulong)persistedInbox.Count,
            HistoryLength = (ulong)instance.History.Count,
            Generation = instance.Generation,
        }.ToByteArray()));

        await store.ExecuteTransactionAsync(operations, NoMetadata, cancellationToken);
        instance.StoredHistory = instance.History.Count;
        instance.StoredInbox = persistedInbox.Count;
        instance.InboxDirty = false;
        instance.StoredActive = active;
        instance.Exists = true;
    }

    /// <summary>Deletes every key of an instance (daprd's purge request), plus the active marker.</summary>
    public Task PurgeAsync(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        var operations = new List<StateOperation>
        {
            Delete(keys.Instance(instance.Id, WorkflowKeys.MetadataKey)),
            Delete(keys.Instance(instance.Id, WorkflowKeys.CustomStatusKey)),
            Delete(keys.Instance(instance.Id, WorkflowKeys.PropagatedHistoryKey)),
            Delete(keys.ActiveMarker(instance.Id)),
        };
        for (var i = 0; i < Math.Max(instance.StoredHistory, instance.History.Count); i++)
        {
            operations.Add(Delete(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.HistoryPrefix, i))));
        }

        for (var i = 0; i < Math.Max(instance.StoredInbox, instance.Inbox.Count); i++)
        {
            operations.Add(Delete(keys.Instance(instance.Id, WorkflowKeys.Entry(WorkflowKeys.InboxPrefix, i))));
        }

        return store.ExecuteTransactionAsync(operations, NoMetadata, cancellationToken);
    }

    /// <summary>Applies operations that belong to no instance change (deleting a delivered outbox message).</summary>
    public Task SaveExtraAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken) =>
        store.ExecuteTransactionAsync(operations, NoMetadata, cancellationToken);

    /// <summary>Every stored key matching a pattern (all pages).</summary>
    public async Task<IReadOnlyList<string>> ListAllAsync(string pattern, CancellationToken cancellationToken)
    {
        if (store is not IStateKeysLister lister)
        {
            return [];
        }

        var all = new List<string>();
        string? token = null;
        do
        {
            var page = await lister.KeysLikeAsync(pattern, token, 1000, cancellationToken);
            all.AddRange(page.Keys);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }

    /// <summary>One page of a listing (ListInstanceIDs).</summary>
    public Task<StateKeysPage> ListPageAsync(string pattern, string? token, int pageSize, CancellationToken cancellationToken) =>
        store is IStateKeysLister lister
            ? lister.KeysLikeAsync(pattern, token, pageSize, cancellationToken)
            : throw new NotSupportedException($"state store {store.Name} does not support listing keys");

    /// <summary>Reads an outbox message.</summary>
    public async Task<WorkflowRuntimeStateMessage?> ReadMessageAsync(string key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, GetOptions, cancellationToken) is { Data.Length: > 0 } item ? WorkflowRuntimeStateMessage.Parser.ParseFrom(item.Data.Span) : null;

    public static StateOperation Upsert(string key, byte[] value) =>
        StateOperation.Upsert(new StateSetRequest(key, value, null, StateConcurrency.LastWrite, StateConsistency.Strong, NoMetadata));

    public static StateOperation Delete(string key) =>
        StateOperation.Remove(new StateDeleteRequest(key, null, StateConcurrency.LastWrite, StateConsistency.Strong, NoMetadata));
}
