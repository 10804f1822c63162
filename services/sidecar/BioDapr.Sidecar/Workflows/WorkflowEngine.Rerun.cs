using BioDapr.Sidecar.Wire;
using Dapr.DurableTask.Protobuf;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace BioDapr.Sidecar.Workflows;

/// <summary>RerunWorkflowFromEvent (Dapr 1.16+): a new instance replays a finished one up to an event and runs again from there.</summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>
    /// daprd's fork (pkg/actors/targets/workflow/orchestrator/fork, rerun.go): the source must be finished and not a
    /// child. The new instance gets the source's history before the target event, with every activity, timer and
    /// child that had not finished by then scheduled again, plus the target event itself (an activity, a timer or
    /// a child workflow; an activity's input may be replaced). Activities run again, timers fire at once, children
    /// start under new ids <c>{newId}:{eventId:x4}</c>.
    /// </summary>
    public async Task<string> RerunAsync(RerunWorkflowFromEventRequest request, CancellationToken cancellationToken)
    {
        Throw(WorkflowErrors.ValidateInstanceId(request.SourceInstanceID, isCreate: false));
        var newId = string.IsNullOrEmpty(request.NewInstanceID) ? NewExecutionId() : request.NewInstanceID;
        Throw(WorkflowErrors.ValidateInstanceId(newId, isCreate: true));
        if (newId == request.SourceInstanceID)
        {
            throw new DaprApiException(WorkflowErrors.InvalidRequest("the rerun instance ID must differ from the source instance ID"));
        }

        List<HistoryEvent> before;
        List<HistoryEvent> again;
        var source = await LockAsync(request.SourceInstanceID, cancellationToken);
        try
        {
            if (!source.Exists)
            {
                throw new DaprApiException(new DaprError(404, "ERR_INSTANCE_ID_NOT_FOUND", $"workflow instance does not exist with ID '{source.Id}'") { GrpcCode = GrpcStatusCode.NotFound });
            }

            if (!source.Summary.IsTerminal)
            {
                throw new DaprApiException(WorkflowErrors.InvalidRequest($"'{source.Id}' is not in a terminal state"));
            }

            if (source.Summary.Start?.ParentInstance is not null)
            {
                throw new DaprApiException(WorkflowErrors.InvalidRequest($"'{source.Id}': cannot rerun from child-workflows"));
            }

            (before, again) = Fork(source.History.Select(e => e.Clone()).ToList(), request);
        }
        finally
        {
            Unlock(source);
        }

        var instance = await LockAsync(newId, cancellationToken);
        try
        {
            if (instance.Exists)
            {
                throw new DaprApiException(new DaprError(409, "ERR_START_WORKFLOW", $"workflow '{newId}' has already been created") { GrpcCode = GrpcStatusCode.AlreadyExists });
            }

            var messages = new List<OutboxMessage>();
            foreach (var e in before.Where(e => e.ExecutionStarted is not null))
            {
                e.ExecutionStarted.WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = newId, ExecutionId = NewExecutionId() };
            }

            instance.History.AddRange(before);
            foreach (var e in again)
            {
                e.Timestamp = Now();
                instance.History.Add(e);
                if (e.TimerCreated is { } timer)
                {
                    instance.ArmedTimers.Add(e.EventId);
                    instance.Inbox.Add(new InboxEntry(TimerFired(e.EventId, timer.FireAt), Persisted: false));
                }
                else if (e.ChildWorkflowInstanceCreated is { } child)
                {
                    child.InstanceId = $"{newId}:{e.EventId:x4}";
                }
            }

            instance.Exists = true;
            instance.Touch();
            foreach (var e in again.Where(e => e.ChildWorkflowInstanceCreated is not null))
            {
                var child = e.ChildWorkflowInstanceCreated;
                messages.Add(Message(instance, child.InstanceId, new HistoryEvent
                {
                    EventId = -1,
                    Timestamp = Now(),
                    ExecutionStarted = new ExecutionStartedEvent
                    {
                        Name = child.Name,
                        Version = child.Version,
                        Input = child.Input,
                        WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = child.InstanceId, ExecutionId = NewExecutionId() },
                        ParentInstance = new ParentInstanceInfo
                        {
                            TaskScheduledId = e.EventId,
                            Name = instance.Summary.Start?.Name,
                            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = newId },
                            AppID = Keys.AppId,
                        },
                    },
                }));
            }

            await SaveLocked(instance, messages.Select(m => m.Operation).ToList(), cancellationToken);
            AfterChange(instance, messages);
            ResumePendingLocked(instance);
            await PumpLocked(instance, cancellationToken);
            return newId;
        }
        finally
        {
            Unlock(instance);
        }
    }

    private static (List<HistoryEvent> Before, List<HistoryEvent> Again) Fork(List<HistoryEvent> history, RerunWorkflowFromEventRequest request)
    {
        var target = (int)request.EventID;
        var before = new List<HistoryEvent>();
        var unfinished = new SortedDictionary<int, HistoryEvent>();
        HistoryEvent? found = null;
        foreach (var e in history)
        {
            if (e.EventId == target && e.EventTypeCase is HistoryEvent.EventTypeOneofCase.TaskScheduled or HistoryEvent.EventTypeOneofCase.TimerCreated or HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated)
            {
                found = e;
                break;
            }

            switch (e.EventTypeCase)
            {
                case HistoryEvent.EventTypeOneofCase.TaskScheduled:
                case HistoryEvent.EventTypeOneofCase.TimerCreated:
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated:
                    unfinished[e.EventId] = e;
                    break;
                case HistoryEvent.EventTypeOneofCase.TaskCompleted:
                case HistoryEvent.EventTypeOneofCase.TaskFailed:
                case HistoryEvent.EventTypeOneofCase.TimerFired:
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted:
                case HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed:
                    if (CompletionKey(e) is { } key && unfinished.Remove(key.Item2, out var scheduled))
                    {
                        before.Add(scheduled);
                        before.Add(e);
                    }

                    break;
                case HistoryEvent.EventTypeOneofCase.ExecutionCompleted:
                    break;
                default:
                    before.Add(e);
                    break;
            }
        }

        if (found is null)
        {
            throw new DaprApiException(new DaprError(404, "ERR_BAD_REQUEST", $"does not have history event with ID '{target}'") { GrpcCode = GrpcStatusCode.NotFound });
        }

        if (found.TaskScheduled is { } task)
        {
            if (request.HasNewChildWorkflowInstanceID)
            {
                throw new DaprApiException(WorkflowErrors.InvalidRequest($"cannot set new child workflow instance ID on activity event '{target}'"));
            }

            if (request.OverwriteInput)
            {
                task.Input = request.Input;
            }

            task.RerunParentInstanceInfo = new RerunParentInstanceInfo { InstanceID = request.SourceInstanceID };
        }
        else if (found.ChildWorkflowInstanceCreated is { } child && request.OverwriteInput)
        {
            child.Input = request.Input;
        }

        var again = unfinished.Values.ToList();
        again.Add(found);
        return (before, again);
    }
}
