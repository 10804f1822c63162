using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// What GetInstance reports of an instance, derived from its history the way durabletask-go's runtime state
/// does (backend/runtimestate/runtimestate.go RuntimeStatus): no ExecutionStarted yet → PENDING; an
/// ExecutionCompleted → its status; a trailing ExecutionStalled → STALLED; suspended → SUSPENDED; else RUNNING.
/// </summary>
internal sealed record WorkflowSummary(
    ExecutionStartedEvent? Start,
    ExecutionCompletedEvent? Completion,
    OrchestrationStatus Status,
    Timestamp? CreatedAt,
    Timestamp? LastUpdatedAt,
    Timestamp? CompletedAt,
    Timestamp? StartedAt)
{
    public static readonly WorkflowSummary Empty = new(null, null, OrchestrationStatus.Pending, null, null, null, null);

    /// <summary>COMPLETED, FAILED, TERMINATED or CANCELED: the instance will not change any more (api.WorkflowMetadataIsComplete).</summary>
    public bool IsTerminal => Completion is not null && Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    public static WorkflowSummary Of(WorkflowInstance instance)
    {
        ExecutionStartedEvent? start = null;
        ExecutionCompletedEvent? completion = null;
        Timestamp? created = null, completedAt = null, startedAt = null, lastUpdated = null;
        var suspended = false;
        var stalled = false;
        foreach (var e in instance.History)
        {
            lastUpdated = e.Timestamp ?? lastUpdated;
            stalled = false;
            switch (e.EventTypeCase)
            {
                case HistoryEvent.EventTypeOneofCase.ExecutionStarted when start is null:
                    start = e.ExecutionStarted;
                    created = e.Timestamp;
                    break;
                case HistoryEvent.EventTypeOneofCase.WorkflowStarted when startedAt is null:
                    startedAt = e.Timestamp;
                    break;
                case HistoryEvent.EventTypeOneofCase.ExecutionCompleted when completion is null:
                    completion = e.ExecutionCompleted;
                    completedAt = e.Timestamp;
                    break;
                case HistoryEvent.EventTypeOneofCase.ExecutionSuspended:
                    suspended = true;
                    break;
                case HistoryEvent.EventTypeOneofCase.ExecutionResumed:
                    suspended = false;
                    break;
                case HistoryEvent.EventTypeOneofCase.ExecutionStalled:
                    stalled = true;
                    break;
            }
        }

        var continued = false;
        if (start is null)
        {
            // Not started yet (the start event waits in the inbox), or just continued as new.
            var pending = instance.Inbox.FirstOrDefault(i => i.Event.ExecutionStarted is not null)?.Event;
            if (pending is not null)
            {
                start = pending.ExecutionStarted;
                created = pending.Timestamp;
                lastUpdated = lastUpdated ?? pending.Timestamp;
                continued = instance.ContinuedAsNew;
            }
        }

        var status = instance.History.Any(e => e.ExecutionStarted is not null)
            ? completion is not null ? completion.WorkflowStatus
            : stalled ? OrchestrationStatus.Stalled
            : suspended ? OrchestrationStatus.Suspended
            : OrchestrationStatus.Running
            : continued ? OrchestrationStatus.Running : stalled ? OrchestrationStatus.Stalled : OrchestrationStatus.Pending;
        return new WorkflowSummary(start, completion, status, created, lastUpdated, completedAt, startedAt);
    }
}
