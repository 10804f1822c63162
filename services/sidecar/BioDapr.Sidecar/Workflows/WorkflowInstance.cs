using Dapr.DurableTask.Protobuf;
namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// One workflow instance held by the engine (daprd's workflow actor): its history and inbox as stored, what
/// has been persisted of them, and the in-memory bookkeeping of the turn in flight. Every field is read and
/// written under <see cref="Gate"/>.
/// </summary>
internal sealed class WorkflowInstance(string id)
{
    public string Id { get; } = id;

    /// <summary>Serializes every operation on the instance (daprd's per-actor turn lock).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Set when the engine dropped the instance from its cache; a caller holding a stale reference looks it up again.</summary>
    public bool Evicted { get; set; }

    /// <summary>True once the store was read for this instance.</summary>
    public bool Loaded { get; set; }

    /// <summary>True once the instance has state (in the store or about to be saved).</summary>
    public bool Exists { get; set; }

    /// <summary>daprd's generation: 1 for a new instance, incremented by continue-as-new and by re-creation.</summary>
    public ulong Generation { get; set; } = 1;

    public List<HistoryEvent> History { get; } = [];

    public List<InboxEntry> Inbox { get; } = [];

    public string? CustomStatus { get; set; }

    /// <summary>How many history keys the store holds (to delete the rest after a reset).</summary>
    public int StoredHistory { get; set; }

    /// <summary>How many inbox keys the store holds.</summary>
    public int StoredInbox { get; set; }

    /// <summary>True when the persisted inbox must be rewritten at the next save.</summary>
    public bool InboxDirty { get; set; }

    /// <summary>True between a continue-as-new and the first turn of the new generation.</summary>
    public bool ContinuedAsNew { get; set; }

    /// <summary>True when the store holds the active marker of the instance.</summary>
    public bool StoredActive { get; set; }

    /// <summary>The turn sent to a worker and not answered yet, or null.</summary>
    public TurnTicket? Turn { get; set; }

    /// <summary>Activity task ids of this generation dispatched and not completed yet (in memory).</summary>
    public HashSet<int> DispatchedActivities { get; } = [];

    /// <summary>Timer ids of this generation armed (in memory).</summary>
    public HashSet<int> ArmedTimers { get; } = [];

    public WorkflowSummary Summary { get; private set; } = WorkflowSummary.Empty;

    /// <summary>Recomputes <see cref="Summary"/> after a change.</summary>
    public void Touch() => Summary = WorkflowSummary.Of(this);

    /// <summary>Forgets all state (a purge, or the re-creation of a finished instance).</summary>
    public void Reset()
    {
        History.Clear();
        Inbox.Clear();
        InboxDirty = true;
        CustomStatus = null;
        Turn = null;
        DispatchedActivities.Clear();
        ArmedTimers.Clear();
    }
}
