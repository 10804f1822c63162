using BioDapr.Sidecar.Wire;
using Dapr.DurableTask.Protobuf;

namespace BioDapr.Sidecar.Workflows;

/// <summary>Instance management: what DaprWorkflowClient (TaskHubSidecarService) and <c>/v1.0/workflows</c> call.</summary>
internal sealed partial class WorkflowEngine
{
    /// <summary>Schedules a new instance (StartInstance); an empty instance id gets a new UUID. Returns the id.</summary>
    public async Task<string> StartAsync(CreateInstanceRequest request, CancellationToken cancellationToken)
    {
        var id = string.IsNullOrEmpty(request.InstanceId) ? NewExecutionId() : request.InstanceId;
        Throw(WorkflowErrors.ValidateInstanceId(id, isCreate: true));
        if (string.IsNullOrEmpty(request.Name))
        {
            throw new DaprApiException(WorkflowErrors.NameMissing());
        }

        var started = new ExecutionStartedEvent
        {
            Name = request.Name,
            Version = request.Version,
            Input = request.Input,
            ScheduledStartTimestamp = request.ScheduledStartTimestamp,
            ParentTraceContext = request.ParentTraceContext,
            WorkflowInstance = new Dapr.DurableTask.Protobuf.WorkflowInstance { InstanceId = id, ExecutionId = request.ExecutionId ?? NewExecutionId() },
        };
        started.Tags.Add(request.Tags);
        await CreateAsync(new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionStarted = started }, null, fromParent: false, cancellationToken);
        return id;
    }

    /// <summary>GetInstance: <c>exists=false</c> for an unknown id.</summary>
    public async Task<GetInstanceResponse> GetAsync(string id, bool withInputsAndOutputs, CancellationToken cancellationToken)
    {
        Throw(WorkflowErrors.ValidateInstanceId(id, isCreate: false));
        var instance = await LockAsync(id, cancellationToken);
        try
        {
            return Describe(instance, withInputsAndOutputs);
        }
        finally
        {
            Unlock(instance);
        }
    }

    /// <summary>WaitForInstanceStart / WaitForInstanceCompletion and the waits of suspend/resume/terminate: until the condition holds or the call ends.</summary>
    public async Task<GetInstanceResponse> WaitAsync(string id, bool withInputsAndOutputs, Func<OrchestrationStatus, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = SignalFor(id);
            var state = await GetAsync(id, withInputsAndOutputs, cancellationToken);
            if (state.Exists && condition(state.WorkflowState.WorkflowStatus))
            {
                return state;
            }

            await signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>RaiseEvent: buffered in the inbox until the workflow waits for it (names match case-insensitively in the SDKs).</summary>
    public async Task RaiseEventAsync(string id, string name, string? input, CancellationToken cancellationToken)
    {
        Throw(WorkflowErrors.ValidateInstanceId(id, isCreate: false));
        if (string.IsNullOrEmpty(name))
        {
            throw new DaprApiException(WorkflowErrors.EventNameMissing());
        }

        var e = new HistoryEvent { EventId = -1, Timestamp = Now(), EventRaised = new EventRaisedEvent { Name = name, Input = input } };
        await AddEventAsync(id, e, null, throwIfMissing: true, cancellationToken);
    }

    /// <summary>TerminateInstance: ends the instance with TERMINATED (and, when recursive, its running children).</summary>
    public Task TerminateAsync(string id, string? output, bool recursive, CancellationToken cancellationToken) =>
        ControlAsync(id, new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionTerminated = new ExecutionTerminatedEvent { Input = output, Recurse = recursive } }, cancellationToken);

    /// <summary>SuspendInstance: no turn runs until resumed; events wait in the inbox.</summary>
    public Task SuspendAsync(string id, string? reason, CancellationToken cancellationToken) =>
        ControlAsync(id, new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionSuspended = new ExecutionSuspendedEvent { Input = string.IsNullOrEmpty(reason) ? null : reason } }, cancellationToken);

    /// <summary>ResumeInstance.</summary>
    public Task ResumeAsync(string id, string? reason, CancellationToken cancellationToken) =>
        ControlAsync(id, new HistoryEvent { EventId = -1, Timestamp = Now(), ExecutionResumed = new ExecutionResumedEvent { Input = string.IsNullOrEmpty(reason) ? null : reason } }, cancellationToken);

    private async Task ControlAsync(string id, HistoryEvent e, CancellationToken cancellationToken)
    {
        Throw(WorkflowErrors.ValidateInstanceId(id, isCreate: false));
        await AddEventAsync(id, e, null, throwIfMissing: true, cancellationToken);
    }

    /// <summary>
    /// PurgeInstances for one instance: deletes its state (and, when recursive, its children's). Only a finished
    /// instance can be purged unless <paramref name="force"/>. Returns how many instances were deleted.
    /// </summary>
    public async Task<int> PurgeAsync(string id, bool recursive, bool force, CancellationToken cancellationToken)
    {
        Throw(WorkflowErrors.ValidateInstanceId(id, isCreate: false));
        var instance = await LockAsync(id, cancellationToken);
        List<string> children;
        try
        {
            if (!instance.Exists)
            {
                throw new DaprApiException(WorkflowErrors.InstanceNotFound(id));
            }

            if (!instance.Summary.IsTerminal && !force)
            {
                throw new DaprApiException(WorkflowErrors.NotTerminal(id));
            }

            children = recursive
                ? instance.History.Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.ChildWorkflowInstanceCreated.InstanceId).Distinct(StringComparer.Ordinal).ToList()
                : [];
            if (instance.Turn is { } turn)
            {
                Dispatcher.Withdraw(turn.Token);
            }

            await _store!.PurgeAsync(instance, cancellationToken);
            instance.Reset();
            instance.Exists = false;
            instance.StoredHistory = 0;
            instance.StoredInbox = 0;
            instance.StoredActive = false;
            instance.Touch();
            Signal(id);
        }
        finally
        {
            Unlock(instance);
        }

        var count = 1;
        foreach (var child in children)
        {
            try
            {
                count += await PurgeAsync(child, recursive, force, cancellationToken);
            }
            catch (DaprApiException ex) when (ex.Error.StatusCode == 404)
            {
                // Already purged (or never created): nothing to delete.
            }
        }

        return count;
    }

    /// <summary>ListInstanceIDs: the ids whose metadata key exists, a page at a time (KEYS_LIKE on the actor state store, as daprd).</summary>
    public async Task<ListInstanceIDsResponse> ListAsync(string? continuationToken, uint pageSize, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());
        if (!store.CanList)
        {
            throw new DaprApiException(WorkflowErrors.InvalidRequest($"state store {_storeName} does not support listing keys"));
        }

        Components.State.StateKeysPage page;
        try
        {
            page = await store.ListPageAsync(Keys.MetadataPattern, string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize == 0 ? int.MaxValue : (int)Math.Min(pageSize, int.MaxValue), cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new DaprApiException(WorkflowErrors.InvalidRequest(ex.Message));
        }

        var response = new ListInstanceIDsResponse();
        response.InstanceIds.AddRange(page.Keys.Select(Keys.InstanceIdOfMetadataKey).OfType<string>());
        if (page.ContinuationToken is { } next)
        {
            response.ContinuationToken = next;
        }

        return response;
    }

    /// <summary>GetInstanceHistory: the stored history events of the current generation.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string id, CancellationToken cancellationToken)
    {
        Throw(WorkflowErrors.ValidateInstanceId(id, isCreate: false));
        var instance = await LockAsync(id, cancellationToken);
        try
        {
            return instance.Exists ? instance.History.Select(e => e.Clone()).ToList() : throw new DaprApiException(WorkflowErrors.InstanceNotFound(id));
        }
        finally
        {
            Unlock(instance);
        }
    }

    /// <summary>COMPLETED, FAILED, TERMINATED or CANCELED (api.WorkflowMetadataIsComplete).</summary>
    public static bool IsTerminal(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    private static GetInstanceResponse Describe(WorkflowInstance instance, bool withInputsAndOutputs)
    {
        if (!instance.Exists)
        {
            return new GetInstanceResponse { Exists = false };
        }

        var summary = instance.Summary;
        var state = new WorkflowState
        {
            InstanceId = instance.Id,
            Name = summary.Start?.Name ?? string.Empty,
            Version = summary.Start?.Version,
            WorkflowStatus = summary.Status,
            ScheduledStartTimestamp = summary.Start?.ScheduledStartTimestamp,
            CreatedTimestamp = summary.CreatedAt,
            LastUpdatedTimestamp = summary.LastUpdatedAt,
            CompletedTimestamp = summary.IsTerminal ? summary.CompletedAt : null,
            StartedAt = summary.StartedAt,
            ExecutionId = summary.Start?.WorkflowInstance?.ExecutionId,
        };
        if (summary.Start?.ParentInstance?.WorkflowInstance?.InstanceId is { Length: > 0 } parentId)
        {
            state.ParentInstanceId = parentId;
            state.ParentAppId = summary.Start.ParentInstance.AppID;
        }

        if (summary.Start is { } start)
        {
            state.Tags.Add(start.Tags);
        }

        if (withInputsAndOutputs)
        {
            state.Input = summary.Start?.Input;
            state.Output = summary.Completion?.Result;
            state.CustomStatus = instance.CustomStatus;
            state.FailureDetails = summary.Completion?.FailureDetails;
        }

        return new GetInstanceResponse { Exists = true, WorkflowState = state };
    }

    private static void Throw(DaprError? error)
    {
        if (error is not null)
        {
            throw new DaprApiException(error);
        }
    }
}
