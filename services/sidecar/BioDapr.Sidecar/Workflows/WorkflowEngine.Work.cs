using BioDapr.Sidecar.Wire;
using BioDapr.Sidecar.Components.State;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace BioDapr.Sidecar.Workflows;

/// <summary>Activities, timers and messages between instances.</summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>
    /// Dispatches every scheduled activity without a result and arms every timer not fired yet, unless already
    /// done in this process: after a load (a restart), after a turn, after a reload that followed a failed save.
    /// </summary>
    private void ResumePendingLocked(WorkflowInstance instance)
    {
        if (!instance.Exists || instance.Summary.IsTerminal)
        {
            return;
        }

        var done = new HashSet<(HistoryEvent.EventTypeOneofCase, int)>();
        foreach (var e in instance.History.Concat(instance.Inbox.Select(i => i.Event)))
        {
            if (CompletionKey(e) is { } key)
            {
                done.Add(key);
            }
        }

        foreach (var e in instance.History)
        {
            if (e.TaskScheduled is not null && !done.Contains((HistoryEvent.EventTypeOneofCase.TaskScheduled, e.EventId)) && !instance.DispatchedActivities.Contains(e.EventId))
            {
                DispatchActivityLocked(instance, e);
            }
            else if (e.TimerCreated is { } timer && !done.Contains((HistoryEvent.EventTypeOneofCase.TimerCreated, e.EventId)) && instance.ArmedTimers.Add(e.EventId))
            {
                var fireAt = FireTime(timer.FireAt);
                if (fireAt <= _time.GetUtcNow())
                {
                    instance.Inbox.Add(new InboxEntry(TimerFired(e.EventId, timer.FireAt), Persisted: false));
                }
                else
                {
                    _timers.Add(new DueTimer(instance.Id, instance.Generation, e.EventId, fireAt));
                }
            }
        }
    }

    /// <summary>The scheduling event a completion answers: (TaskScheduled, id), (TimerCreated, id) or (ChildWorkflowInstanceCreated, id).</summary>
    private static (HistoryEvent.EventTypeOneofCase, int)? CompletionKey(HistoryEvent e) => e.EventTypeCase switch
    {
        HistoryEvent.EventTypeOneofCase.TaskCompleted => (HistoryEvent.EventTypeOneofCase.TaskScheduled, e.TaskCompleted.TaskScheduledId),
        HistoryEvent.EventTypeOneofCase.TaskFailed => (HistoryEvent.EventTypeOneofCase.TaskScheduled, e.TaskFailed.TaskScheduledId),
        HistoryEvent.EventTypeOneofCase.TimerFired => (HistoryEvent.EventTypeOneofCase.TimerCreated, e.TimerFired.TimerId),
        HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCompleted => (HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated, e.ChildWorkflowInstanceCompleted.TaskScheduledId),
        HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceFailed => (HistoryEvent.EventTypeOneofCase.ChildWorkflowInstanceCreated, e.ChildWorkflowInstanceFailed.TaskScheduledId),
        _ => null,
    };

    /// <summary>True when a completion for the same task, timer or child is in the history or the inbox (durabletask-go's dedup).</summary>
    private static bool IsDuplicate(WorkflowInstance instance, HistoryEvent e) =>
        CompletionKey(e) is { } key
        && instance.History.Concat(instance.Inbox.Select(i => i.Event)).Any(x => CompletionKey(x) == key);

    private static DateTimeOffset FireTime(Timestamp? fireAt)
    {
        if (fireAt is null)
        {
            return DateTimeOffset.MinValue;
        }

        try
        {
            return fireAt.ToDateTimeOffset();
        }
        catch (ArgumentOutOfRangeException)
        {
            return DateTimeOffset.MaxValue;
        }
    }

    private HistoryEvent TimerFired(int timerId, Timestamp? fireAt) =>
        new() { EventId = -1, Timestamp = Now(), TimerFired = new TimerFiredEvent { TimerId = timerId, FireAt = fireAt ?? Now() } };

    private void DispatchActivityLocked(WorkflowInstance instance, HistoryEvent scheduled)
    {
        var task = scheduled.TaskScheduled;
        var token = NextToken("a");
        _activities[token] = new ActivityTicket(instance.Id, instance.Generation, scheduled.EventId);
        instance.DispatchedActivities.Add(scheduled.EventId);
        var request = new ActivityRequest
        {
            Name = task.Name,
            Version = task.Version,
            Input = task.Input,
            TaskId = scheduled.EventId,
            TaskExecutionId = task.TaskExecutionId,
            ParentTraceContext = task.ParentTraceContext,
            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = instance.Id, ExecutionId = instance.Summary.Start?.WorkflowInstance?.ExecutionId },
        };
        Dispatcher.Dispatch(new WorkItem { ActivityRequest = request, CompletionToken = token });
    }

    /// <summary>CompleteActivityTask: the activity's result (or failure) goes to the instance's inbox, once.</summary>
    public async Task CompleteActivityAsync(ActivityResponse response, CancellationToken cancellationToken)
    {
        ActivityTicket? ticket = null;
        var token = response.CompletionToken;
        if (token.Length > 0)
        {
            _activities.TryRemove(token, out ticket);
        }
        else
        {
            // A worker that does not echo completion tokens: match by instance and task id.
            foreach (var (candidateToken, candidate) in _activities)
            {
                if (candidate.InstanceId == response.InstanceId && candidate.TaskId == response.TaskId && _activities.TryRemove(candidateToken, out ticket))
                {
                    token = candidateToken;
                    break;
                }
            }
        }

        if (ticket is null)
        {
            Log.IgnoredTask(_logger, response.InstanceId, "activity result", response.TaskId);
            return;
        }

        Dispatcher.Complete(token);
        var instance = await LockAsync(ticket.InstanceId, cancellationToken);
        try
        {
            if (!instance.Exists || instance.Generation != ticket.Generation || instance.Summary.IsTerminal)
            {
                Log.Ignored(_logger, ticket.InstanceId, "activity result", "the instance finished, continued as new or was purged");
                return;
            }

            instance.DispatchedActivities.Remove(ticket.TaskId);
            var scheduled = instance.History.FirstOrDefault(e => e.EventId == ticket.TaskId && e.TaskScheduled is not null);
            if (scheduled is null)
            {
                return;
            }

            var result = new HistoryEvent { EventId = -1, Timestamp = Now() };
            if (response.FailureDetails is { } failure)
            {
                result.TaskFailed = new TaskFailedEvent { TaskScheduledId = ticket.TaskId, FailureDetails = failure, TaskExecutionId = scheduled.TaskScheduled.TaskExecutionId };
            }
            else
            {
                result.TaskCompleted = new TaskCompletedEvent { TaskScheduledId = ticket.TaskId, Result = response.Result, TaskExecutionId = scheduled.TaskScheduled.TaskExecutionId };
            }

            if (IsDuplicate(instance, result))
            {
                Log.IgnoredTask(_logger, ticket.InstanceId, "duplicate activity result", ticket.TaskId);
                return;
            }

            instance.Inbox.Add(new InboxEntry(result, Persisted: false));
            await PumpLocked(instance, cancellationToken);
        }
        finally
        {
            Unlock(instance);
        }
    }

    private async Task OnTimerAsync(DueTimer timer)
    {
        var instance = await LockAsync(timer.InstanceId, _stopping.Token);
        try
        {
            if (!instance.Exists || instance.Generation != timer.Generation || instance.Summary.IsTerminal)
            {
                return;
            }

            if (!timer.IsStart)
            {
                instance.ArmedTimers.Remove(timer.TimerId);
                var scheduled = instance.History.FirstOrDefault(e => e.EventId == timer.TimerId && e.TimerCreated is not null);
                var fired = TimerFired(timer.TimerId, scheduled?.TimerCreated.FireAt);
                if (scheduled is null || IsDuplicate(instance, fired))
                {
                    return;
                }

                instance.Inbox.Add(new InboxEntry(fired, Persisted: false));
            }

            await PumpLocked(instance, _stopping.Token);
        }
        finally
        {
            Unlock(instance);
        }
    }

    // ----- messages between instances -------------------------------------------------------------------

    /// <summary>
    /// Delivers an outbox message: the target's inbox gets the event and the outbox key is deleted in the same
    /// transaction, so a message is applied exactly once even if the sidecar dies in between. A failed delivery
    /// is retried a few times, then left in the store for the next start.
    /// </summary>
    private async Task DeliverAsync(string key, WorkflowRuntimeStateMessage message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var delete = WorkflowStateStore.Delete(key);
                if (message.HistoryEvent?.ExecutionStarted is { } started)
                {
                    await CreateAsync(message.HistoryEvent, [delete], fromParent: started.ParentInstance is not null, cancellationToken);
                }
                else if (message.HistoryEvent is { } e)
                {
                    await AddEventAsync(message.TargetInstanceId, e, [delete], throwIfMissing: false, cancellationToken);
                }

                return;
            }
            catch (Exception ex) when (ex is DaprApiException or InvalidOperationException && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Adds an event to an instance's inbox (persisted) and moves it forward. A missing instance is an error for
    /// API callers and a dropped message for deliveries; a finished instance drops the event; a completion that
    /// is already there is dropped.
    /// </summary>
    private async Task<bool> AddEventAsync(string id, HistoryEvent e, IReadOnlyList<StateOperation>? extra, bool throwIfMissing, CancellationToken cancellationToken)
    {
        var instance = await LockAsync(id, cancellationToken);
        try
        {
            if (!instance.Exists)
            {
                if (throwIfMissing)
                {
                    throw new DaprApiException(WorkflowErrors.InstanceNotFound(id));
                }

                if (extra is { Count: > 0 })
                {
                    await _store!.SaveExtraAsync(extra, cancellationToken);
                }

                return false;
            }

            if (!instance.Summary.IsTerminal && !IsDuplicate(instance, e))
            {
                instance.Inbox.Add(new InboxEntry(e, Persisted: true));
                instance.InboxDirty = true;
                await SaveLocked(instance, extra, cancellationToken);
                instance.Touch();
                Signal(id);
                await PumpLocked(instance, cancellationToken);
            }
            else if (extra is { Count: > 0 })
            {
                await _store!.SaveExtraAsync(extra, cancellationToken);
            }

            return true;
        }
        finally
        {
            Unlock(instance);
        }
    }

    /// <summary>
    /// Creates an instance from its ExecutionStarted event (a client start, a child, a detached workflow). An
    /// instance that exists and is not finished is an error, except the same parent creating the same child again;
    /// a finished one is started over (daprd's createIfCompleted), its generation incremented.
    /// </summary>
    private async Task CreateAsync(HistoryEvent start, IReadOnlyList<StateOperation>? extra, bool fromParent, CancellationToken cancellationToken)
    {
        var started = start.ExecutionStarted;
        var id = started.WorkflowInstance.InstanceId;
        var instance = await LockAsync(id, cancellationToken);
        HistoryEvent? refusal = null;
        try
        {
            if (instance.Exists && !instance.Summary.IsTerminal)
            {
                var existingParent = instance.Summary.Start?.ParentInstance;
                var sameParent = fromParent && existingParent is not null
                    && existingParent.WorkflowInstance?.InstanceId == started.ParentInstance.WorkflowInstance?.InstanceId
                    && existingParent.TaskScheduledId == started.ParentInstance.TaskScheduledId;
                if (!fromParent)
                {
                    throw new DaprApiException(WorkflowErrors.AlreadyExists(id));
                }

                if (!sameParent)
                {
                    refusal = new HistoryEvent
                    {
                        EventId = -1,
                        Timestamp = Now(),
                        ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                        {
                            TaskScheduledId = started.ParentInstance.TaskScheduledId,
                            FailureDetails = new TaskFailureDetails { ErrorType = "AlreadyExists", ErrorMessage = $"an active workflow with ID '{id}' already exists", IsNonRetriable = true },
                        },
                    };
                }

                if (extra is { Count: > 0 })
                {
                    await _store!.SaveExtraAsync(extra, cancellationToken);
                }

                return;
            }

            if (instance.Exists)
            {
                instance.Reset();
                instance.Generation++;
            }

            instance.Exists = true;
            instance.ContinuedAsNew = false;
            instance.Inbox.Add(new InboxEntry(start, Persisted: true));
            instance.InboxDirty = true;
            instance.Touch();
            await SaveLocked(instance, extra, cancellationToken);
            Signal(id);
            await PumpLocked(instance, cancellationToken);
        }
        finally
        {
            Unlock(instance);
            if (refusal is not null)
            {
                await AddEventAsync(started.ParentInstance.WorkflowInstance.InstanceId, refusal, null, throwIfMissing: false, cancellationToken);
            }
        }
    }
}
