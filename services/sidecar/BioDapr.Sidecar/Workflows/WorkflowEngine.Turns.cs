using BioDapr.Sidecar.Components.State;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace BioDapr.Sidecar.Workflows;

/// <summary>Turns: deciding when an instance runs, sending the turn, applying the worker's actions.</summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>
    /// Moves an instance forward: applies control events (suspend, resume, terminate) itself, as they need no
    /// workflow code, then sends a turn when there is something for the workflow to see and it is not suspended,
    /// not finished, not waiting for its scheduled start, and no turn is with a worker already.
    /// </summary>
    private async Task PumpLocked(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        if (!instance.Exists)
        {
            return;
        }

        var hasControl = instance.Inbox.Any(e => IsControl(e.Event));
        if (instance.Turn is { } turn)
        {
            // A turn a worker holds finishes first; one still waiting for a worker gives way to control events.
            if (!hasControl || Dispatcher.IsWithWorker(turn.Token))
            {
                return;
            }

            Dispatcher.Withdraw(turn.Token);
            instance.Turn = null;
        }

        if (hasControl)
        {
            var messages = ApplyControlEventsLocked(instance);
            await SaveLocked(instance, messages.Select(m => m.Operation).ToList(), cancellationToken);
            AfterChange(instance, messages);
        }

        var summary = instance.Summary;
        if (summary.IsTerminal)
        {
            if (instance.Inbox.Count > 0)
            {
                // Events for a finished instance are dropped (daprd ignores them too).
                instance.Inbox.Clear();
                instance.InboxDirty = true;
                await SaveLocked(instance, null, cancellationToken);
            }

            return;
        }

        if (summary.Status is OrchestrationStatus.Suspended)
        {
            return;
        }

        if (instance.Inbox.FirstOrDefault(e => e.Event.ExecutionStarted is not null) is { } start
            && start.Event.ExecutionStarted.ScheduledStartTimestamp is { } scheduled
            && scheduled.ToDateTimeOffset() > _time.GetUtcNow())
        {
            _timers.Add(new DueTimer(instance.Id, instance.Generation, -1, scheduled.ToDateTimeOffset(), IsStart: true));
            return;
        }

        var needsFirstTurn = summary.StartedAt is null && instance.History.Any(e => e.ExecutionStarted is not null);
        if (instance.Inbox.Count == 0 && !needsFirstTurn)
        {
            return;
        }

        if (summary.Start is null)
        {
            // Events without a start (only possible after a purge raced a delivery): nothing can run them.
            return;
        }

        SendTurnLocked(instance);
    }

    private void SendTurnLocked(WorkflowInstance instance)
    {
        var started = new HistoryEvent { EventId = -1, Timestamp = Now(), WorkflowStarted = new WorkflowStartedEvent() };
        var consumed = instance.Inbox.ToList();
        var turn = new TurnTicket(NextToken("w"), started, consumed, instance.Generation);
        instance.Turn = turn;
        var request = new WorkflowRequest { InstanceId = instance.Id };
        if (instance.Summary.Start?.WorkflowInstance?.ExecutionId is { } executionId)
        {
            request.ExecutionId = executionId;
        }

        request.PastEvents.AddRange(instance.History);
        request.NewEvents.Add(started);
        request.NewEvents.AddRange(consumed.Select(c => c.Event));
        Dispatcher.Dispatch(new WorkItem { WorkflowRequest = request, CompletionToken = turn.Token });
    }

    /// <summary>CompleteOrchestratorTask / CompleteWorkflowTask: applies the actions of a turn.</summary>
    public async Task CompleteTurnAsync(WorkflowResponse response, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(response.InstanceId))
        {
            throw new Wire.DaprApiException(WorkflowErrors.InvalidRequest("the workflow response has no instanceId"));
        }

        var instance = await LockAsync(response.InstanceId, cancellationToken);
        List<OutboxMessage> messages;
        try
        {
            var turn = instance.Turn;
            if (turn is null || (response.CompletionToken.Length > 0 && response.CompletionToken != turn.Token))
            {
                // A late answer to a turn that was handed out again, or an unknown instance: daprd ignores it.
                Log.Ignored(_logger, response.InstanceId, "workflow result", turn is null ? "no turn is running" : "stale completion token");
                return;
            }

            Dispatcher.Complete(turn.Token);
            instance.Turn = null;
            messages = ApplyTurnLocked(instance, turn, response);
            await SaveLocked(instance, messages.Select(m => m.Operation).ToList(), cancellationToken);
            AfterChange(instance, messages);
            ResumePendingLocked(instance);
            await PumpLocked(instance, cancellationToken);
        }
        finally
        {
            Unlock(instance);
        }
    }

    /// <summary>What follows a saved change: wake the waiters, deliver the messages it produced.</summary>
    private void AfterChange(WorkflowInstance instance, IReadOnlyList<OutboxMessage> messages)
    {
        instance.Touch();
        Signal(instance.Id);
        foreach (var message in messages)
        {
            Track(DeliverAsync(message.Key, message.Message, _stopping.Token));
        }
    }

    // ----- control events -----------------------------------------------------------------------------

    private static bool IsControl(HistoryEvent e) =>
        e.EventTypeCase is HistoryEvent.EventTypeOneofCase.ExecutionSuspended or HistoryEvent.EventTypeOneofCase.ExecutionResumed or HistoryEvent.EventTypeOneofCase.ExecutionTerminated;

    private List<OutboxMessage> ApplyControlEventsLocked(WorkflowInstance instance)
    {
        var messages = new List<OutboxMessage>();
        foreach (var entry in instance.Inbox.Where(e => IsControl(e.Event)).ToList())
        {
            instance.Inbox.Remove(entry);
            instance.InboxDirty |= entry.Persisted;
            if (instance.Summary.IsTerminal)
            {
                continue;
            }

            EnsureStartInHistory(instance);
            instance.History.Add(entry.Event);
            if (entry.Event.ExecutionTerminated is { } terminated)
            {
                var completed = new HistoryEvent
                {
                    EventId = -1,
                    Timestamp = Now(),
                    ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = OrchestrationStatus.Terminated, Result = terminated.Input },
                };
                instance.History.Add(completed);
                if (terminated.Recurse)
                {
                    foreach (var (_, childId) in OpenChildren(instance))
                    {
                        messages.Add(Message(instance, childId, new HistoryEvent
                        {
                            EventId = -1,
                            Timestamp = Now(),
                            ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminated.Input, Recurse = true },
                        }));
                    }
                }

                messages.AddRange(ParentNotification(instance, completed.ExecutionCompleted));
            }

            instance.Touch();
        }

        return messages;
    }

    // A suspend or terminate that reaches an instance before its first turn puts its start into the history first.
    private static void EnsureStartInHistory(WorkflowInstance instance)
    {
        if (instance.History.Any(e => e.ExecutionStarted is not null))
        {
            return;
        }

        if (instance.Inbox.FirstOrDefault(e => e.Event.ExecutionStarted is not null) is { } start)
        {
            instance.Inbox.Remove(start);
            instance.InboxDirty |= start.Persisted;
            instance.History.Add(start.Event);
            instance.ContinuedAsNew = false;
        }
    }

    // ----- applying a turn ----------------------------------------------------------------------------

    private List<OutboxMessage> ApplyTurnLocked(WorkflowInstance instance, TurnTicket turn, WorkflowResponse response)
    {
        var messages = new List<OutboxMessage>();
        instance.History.Add(turn.Started);
        foreach (var entry in turn.Consumed)
        {
            if (instance.Inbox.Remove(entry))
            {
                instance.InboxDirty |= entry.Persisted;
                instance.History.Add(entry.Event);
            }
        }

        instance.ContinuedAsNew = false;
        instance.CustomStatus = response.CustomStatus;
        instance.Touch();
        var known = new HashSet<int>(instance.History.Where(e => e.EventId >= 0).Select(e => e.EventId));
        var router = new TaskRouter { SourceAppID = Keys.AppId };
        foreach (var action in response.Actions.OrderBy(a => a.Id))
        {
            if (instance.Summary.IsTerminal)
            {
                break;
            }

            if (action.WorkflowActionTypeCase != WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow && !known.Add(action.Id))
            {
                // Already acknowledged by history (a worker that repeats actions): nothing new to do.
                continue;
            }

            var now = Now();
            HistoryEvent Event(int id) => new() { EventId = id, Timestamp = now, Router = router };
            switch (action.WorkflowActionTypeCase)
            {
                case WorkflowAction.WorkflowActionTypeOneofCase.ScheduleTask:
                {
                    var task = action.ScheduleTask;
                    var e = Event(action.Id);
                    e.TaskScheduled = new TaskScheduledEvent { Name = task.Name, Version = task.Version, Input = task.Input, TaskExecutionId = task.TaskExecutionId, HistoryPropagationScope = task.HistoryPropagationScope };
                    instance.History.Add(e);
                    if (!string.IsNullOrEmpty(task.Router?.TargetAppID) && task.Router.TargetAppID != Keys.AppId)
                    {
                        instance.Inbox.Add(new InboxEntry(Failure(action.Id, task.TaskExecutionId, "CrossAppNotSupported", $"activity '{task.Name}' targets app '{task.Router.TargetAppID}': cross-app workflow calls are not supported by the development sidecar"), Persisted: false));
                    }

                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateTimer:
                {
                    var timer = action.CreateTimer;
                    var e = Event(action.Id);
                    e.TimerCreated = new TimerCreatedEvent { FireAt = timer.FireAt ?? now, Name = timer.Name };
                    switch (timer.OriginCase)
                    {
                        case CreateTimerAction.OriginOneofCase.CreateTimer: e.TimerCreated.CreateTimer = timer.CreateTimer; break;
                        case CreateTimerAction.OriginOneofCase.ExternalEvent: e.TimerCreated.ExternalEvent = timer.ExternalEvent; break;
                        case CreateTimerAction.OriginOneofCase.ActivityRetry: e.TimerCreated.ActivityRetry = timer.ActivityRetry; break;
                        case CreateTimerAction.OriginOneofCase.ChildWorkflowRetry: e.TimerCreated.ChildWorkflowRetry = timer.ChildWorkflowRetry; break;
                    }

                    instance.History.Add(e);
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                {
                    var child = action.CreateChildWorkflow;
                    var childId = string.IsNullOrEmpty(child.InstanceId) ? ChildInstanceId(instance.Id, action.Id) : child.InstanceId;
                    var e = Event(action.Id);
                    e.ChildWorkflowInstanceCreated = new ChildWorkflowInstanceCreatedEvent { InstanceId = childId, Name = child.Name, Version = child.Version, Input = child.Input };
                    instance.History.Add(e);
                    if (!string.IsNullOrEmpty(child.Router?.TargetAppID) && child.Router.TargetAppID != Keys.AppId)
                    {
                        instance.Inbox.Add(new InboxEntry(ChildFailure(action.Id, "CrossAppNotSupported", $"child workflow '{child.Name}' targets app '{child.Router.TargetAppID}': cross-app workflow calls are not supported by the development sidecar"), Persisted: true));
                        instance.InboxDirty = true;
                        break;
                    }

                    messages.Add(Message(instance, childId, new HistoryEvent
                    {
                        EventId = -1,
                        Timestamp = now,
                        Router = router,
                        ExecutionStarted = new ExecutionStartedEvent
                        {
                            Name = child.Name,
                            Version = child.Version,
                            Input = child.Input,
                            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = childId, ExecutionId = NewExecutionId() },
                            ParentInstance = new ParentInstanceInfo
                            {
                                TaskScheduledId = action.Id,
                                Name = instance.Summary.Start?.Name,
                                WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = instance.Id, ExecutionId = instance.Summary.Start?.WorkflowInstance?.ExecutionId },
                                AppID = Keys.AppId,
                                AppNamespace = Keys.Namespace,
                            },
                        },
                    }));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateDetachedWorkflow:
                {
                    var detached = action.CreateDetachedWorkflow;
                    var childId = string.IsNullOrEmpty(detached.InstanceId) ? NewExecutionId() : detached.InstanceId;
                    var e = Event(action.Id);
                    e.DetachedWorkflowInstanceCreated = new DetachedWorkflowInstanceCreatedEvent { InstanceId = childId };
                    instance.History.Add(e);
                    var started = new ExecutionStartedEvent
                    {
                        Name = detached.Name,
                        Version = detached.Version,
                        Input = detached.Input,
                        ScheduledStartTimestamp = detached.ScheduledStartTimestamp,
                        WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = childId, ExecutionId = detached.ExecutionId ?? NewExecutionId() },
                    };
                    started.Tags.Add(detached.Tags);
                    messages.Add(Message(instance, childId, new HistoryEvent { EventId = -1, Timestamp = now, Router = router, ExecutionStarted = started }));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                {
                    var send = action.SendEvent;
                    var e = Event(action.Id);
                    e.EventSent = new EventSentEvent { InstanceId = send.Instance?.InstanceId ?? string.Empty, Name = send.Name, Input = send.Data };
                    instance.History.Add(e);
                    if (!string.IsNullOrEmpty(e.EventSent.InstanceId))
                    {
                        messages.Add(Message(instance, e.EventSent.InstanceId, new HistoryEvent
                        {
                            EventId = -1,
                            Timestamp = now,
                            EventRaised = new EventRaisedEvent { Name = send.Name, Input = send.Data },
                        }));
                    }

                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                {
                    var terminate = action.TerminateWorkflow;
                    messages.Add(Message(instance, terminate.InstanceId, new HistoryEvent
                    {
                        EventId = -1,
                        Timestamp = now,
                        ExecutionTerminated = new ExecutionTerminatedEvent { Input = terminate.Reason, Recurse = terminate.Recurse },
                    }));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.WorkflowVersionNotAvailable:
                {
                    var e = Event(-1);
                    e.ExecutionStalled = new ExecutionStalledEvent { Reason = StalledReason.VersionNotAvailable, Description = $"Version not available: {instance.Summary.Start?.Name}" };
                    instance.History.Add(e);
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                    messages.AddRange(CompleteLocked(instance, action, now, router));
                    break;

                default:
                {
                    Log.InvalidTurn(_logger, instance.Id, $"unknown action type in action {action.Id}");
                    var e = Event(action.Id);
                    e.ExecutionCompleted = new ExecutionCompletedEvent
                    {
                        WorkflowStatus = OrchestrationStatus.Failed,
                        FailureDetails = new TaskFailureDetails { ErrorType = "InvalidWorkflowAction", ErrorMessage = $"the worker answered action {action.Id} of a type the workflow engine does not know", IsNonRetriable = true },
                    };
                    instance.History.Add(e);
                    messages.AddRange(ParentNotification(instance, e.ExecutionCompleted));
                    break;
                }
            }

            instance.Touch();
        }

        if (instance.Summary.IsTerminal && instance.Inbox.Count > 0)
        {
            instance.Inbox.Clear();
            instance.InboxDirty = true;
        }

        instance.Touch();
        return messages;
    }

    private List<OutboxMessage> CompleteLocked(WorkflowInstance instance, WorkflowAction action, Timestamp now, TaskRouter router)
    {
        var complete = action.CompleteWorkflow;
        switch (complete.WorkflowStatus)
        {
            case OrchestrationStatus.ContinuedAsNew:
                ContinueAsNewLocked(instance, complete, now);
                return [];
            case OrchestrationStatus.Stalled:
            {
                instance.History.Add(new HistoryEvent
                {
                    EventId = -1,
                    Timestamp = now,
                    ExecutionStalled = new ExecutionStalledEvent { Reason = StalledReason.PatchMismatch, Description = complete.Details ?? "workflow stalled" },
                });
                return [];
            }

            default:
            {
                var completed = new HistoryEvent
                {
                    EventId = action.Id,
                    Timestamp = now,
                    Router = router,
                    ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = complete.WorkflowStatus, Result = complete.Result, FailureDetails = complete.FailureDetails },
                };
                instance.History.Add(completed);
                return ParentNotification(instance, completed.ExecutionCompleted);
            }
        }
    }

    /// <summary>
    /// Continue-as-new (durabletask-go's applier): the history starts over with a new ExecutionStarted (same name
    /// and parent, the new input, a new execution id), the generation goes up, and the raised events carried over
    /// (plus those that arrived during the turn) wait in the inbox for the new generation's first turn.
    /// </summary>
    private void ContinueAsNewLocked(WorkflowInstance instance, CompleteWorkflowAction complete, Timestamp now)
    {
        var previous = instance.Summary.Start ?? new ExecutionStartedEvent();
        var start = new ExecutionStartedEvent
        {
            Name = previous.Name,
            Version = complete.NewVersion ?? previous.Version,
            Input = complete.Result,
            ParentInstance = previous.ParentInstance,
            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = instance.Id, ExecutionId = NewExecutionId() },
        };
        start.Tags.Add(previous.Tags);
        var kept = instance.Inbox.Where(e => e.Event.EventRaised is not null || IsControl(e.Event)).ToList();
        instance.History.Clear();
        instance.Inbox.Clear();
        instance.InboxDirty = true;
        instance.DispatchedActivities.Clear();
        instance.ArmedTimers.Clear();
        instance.Generation++;
        instance.ContinuedAsNew = true;
        instance.Inbox.Add(new InboxEntry(new HistoryEvent { EventId = -1, Timestamp = now, ExecutionStarted = start }, Persisted: true));
        foreach (var carried in complete.CarryoverEvents)
        {
            instance.Inbox.Add(new InboxEntry(carried, Persisted: true));
        }

        foreach (var entry in kept)
        {
            instance.Inbox.Add(entry with { Persisted = true });
        }
    }

    /// <summary>The completion a child sends its parent (ChildWorkflowInstanceCompleted, or Failed for any other end).</summary>
    private List<OutboxMessage> ParentNotification(WorkflowInstance instance, ExecutionCompletedEvent completed)
    {
        if (instance.Summary.Start?.ParentInstance is not { } parent || parent.WorkflowInstance is null)
        {
            return [];
        }

        var e = new HistoryEvent { EventId = -1, Timestamp = Now() };
        if (completed.WorkflowStatus == OrchestrationStatus.Completed)
        {
            e.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = parent.TaskScheduledId, Result = completed.Result };
        }
        else
        {
            e.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
            {
                TaskScheduledId = parent.TaskScheduledId,
                FailureDetails = completed.FailureDetails ?? new TaskFailureDetails
                {
                    ErrorType = completed.WorkflowStatus.ToString(),
                    ErrorMessage = $"child workflow '{instance.Id}' ended with status {completed.WorkflowStatus}",
                },
            };
        }

        return [Message(instance, parent.WorkflowInstance.InstanceId, e)];
    }

    /// <summary>durabletask-go's GenerateChildWorkflowInstanceID: parent id, a colon, the action id as four hex digits.</summary>
    public static string ChildInstanceId(string parentId, int actionId) =>
        parentId + ":" + (0x10000 + (long)actionId).ToString("x", System.Globalization.CultureInfo.InvariantCulture)[^4..];

    private OutboxMessage Message(WorkflowInstance source, string target, HistoryEvent e)
    {
        var key = Keys.Outbox(source.Id, source.Generation, NewExecutionId());
        var message = new WorkflowRuntimeStateMessage { TargetInstanceId = target, HistoryEvent = e };
        return new OutboxMessage(key, message, WorkflowStateStore.Upsert(key, message.ToByteArray()));
    }

    private static HistoryEvent Failure(int taskId, string taskExecutionId, string type, string message) => new()
    {
        EventId = -1,
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        TaskFailed = new TaskFailedEvent { TaskScheduledId = taskId, TaskExecutionId = taskExecutionId, FailureDetails = new TaskFailureDetails { ErrorType = type, ErrorMessage = message, IsNonRetriable = true } },
    };

    private static HistoryEvent ChildFailure(int taskId, string type, string message) => new()
    {
        EventId = -1,
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent { TaskScheduledId = taskId, FailureDetails = new TaskFailureDetails { ErrorType = type, ErrorMessage = message, IsNonRetriable = true } },
    };

    /// <summary>Children created and not finished yet: (creating event id, child instance id).</summary>
    private static List<(int EventId, string ChildId)> OpenChildren(WorkflowInstance instance)
    {
        var open = new Dictionary<int, string>();
        foreach (var e in instance.History.Concat(instance.Inbox.Select(i => i.Event)))
        {
            if (e.ChildWorkflowInstanceCreated is { } created)
            {
                open[e.EventId] = created.InstanceId;
            }
            else if (e.ChildWorkflowInstanceCompleted is { } done)
            {
                open.Remove(done.TaskScheduledId);
            }
            else if (e.ChildWorkflowInstanceFailed is { } failed)
            {
                open.Remove(failed.TaskScheduledId);
            }
        }

        return open.Select(p => (p.Key, p.Value)).ToList();
    }
}

/// <summary>A message to another instance, and the store operation that keeps it until it is delivered.</summary>
internal sealed record OutboxMessage(string Key, WorkflowRuntimeStateMessage Message, StateOperation Operation);
