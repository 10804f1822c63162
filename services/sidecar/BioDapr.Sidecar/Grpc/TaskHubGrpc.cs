using BioDapr.Sidecar.Wire;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Workflows;
using Dapr.DurableTask.Protobuf;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// The handlers of <c>TaskHubSidecarService</c> (durabletask-go's backend/executor.go as daprd serves it): requests
/// become <see cref="WorkflowEngine"/> calls, nothing more. As in daprd, StartInstance waits for the instance to
/// start (unless it has a scheduled start time), terminate waits for completion, suspend and resume wait for the
/// status to change; a call's deadline bounds every wait.
/// </summary>
internal sealed partial class TaskHubGrpc(SidecarRuntime runtime, WorkflowEngine engine)
{
    private static readonly CompleteTaskResponse Completed = new();
    private readonly ILogger _logger = runtime.LoggerFactory.CreateLogger("BioDapr.Sidecar.Workflows");

    public async Task<CreateInstanceResponse> StartInstanceAsync(CreateInstanceRequest request, ServerCallContext call)
    {
        Available();
        var id = await engine.StartAsync(request, call.CancellationToken);
        if (request.ScheduledStartTimestamp is null)
        {
            await engine.WaitAsync(id, false, status => status != OrchestrationStatus.Pending, call.CancellationToken);
        }

        return new CreateInstanceResponse { InstanceId = id };
    }

    public Task<GetInstanceResponse> GetInstanceAsync(GetInstanceRequest request, ServerCallContext call)
    {
        Available();
        return engine.GetAsync(request.InstanceId, request.GetInputsAndOutputs, call.CancellationToken);
    }

    public Task<GetInstanceResponse> WaitForInstanceStartAsync(GetInstanceRequest request, ServerCallContext call)
    {
        Available();
        return engine.WaitAsync(request.InstanceId, request.GetInputsAndOutputs, status => status != OrchestrationStatus.Pending, call.CancellationToken);
    }

    public Task<GetInstanceResponse> WaitForInstanceCompletionAsync(GetInstanceRequest request, ServerCallContext call)
    {
        Available();
        return engine.WaitAsync(request.InstanceId, request.GetInputsAndOutputs, WorkflowEngine.IsTerminal, call.CancellationToken);
    }

    public async Task<RaiseEventResponse> RaiseEventAsync(RaiseEventRequest request, ServerCallContext call)
    {
        Available();
        await engine.RaiseEventAsync(request.InstanceId, request.Name, request.Input, call.CancellationToken);
        return new RaiseEventResponse();
    }

    public async Task<TerminateResponse> TerminateInstanceAsync(TerminateRequest request, ServerCallContext call)
    {
        Available();
        await engine.TerminateAsync(request.InstanceId, request.Output, request.Recursive, call.CancellationToken);
        await engine.WaitAsync(request.InstanceId, false, WorkflowEngine.IsTerminal, call.CancellationToken);
        return new TerminateResponse();
    }

    public async Task<SuspendResponse> SuspendInstanceAsync(SuspendRequest request, ServerCallContext call)
    {
        Available();
        await engine.SuspendAsync(request.InstanceId, request.Reason, call.CancellationToken);
        await engine.WaitAsync(request.InstanceId, false, status => status == OrchestrationStatus.Suspended || WorkflowEngine.IsTerminal(status), call.CancellationToken);
        return new SuspendResponse();
    }

    public async Task<ResumeResponse> ResumeInstanceAsync(ResumeRequest request, ServerCallContext call)
    {
        Available();
        await engine.ResumeAsync(request.InstanceId, request.Reason, call.CancellationToken);
        await engine.WaitAsync(request.InstanceId, false, status => status == OrchestrationStatus.Running || WorkflowEngine.IsTerminal(status), call.CancellationToken);
        return new ResumeResponse();
    }

    public async Task<PurgeInstancesResponse> PurgeInstancesAsync(PurgeInstancesRequest request, ServerCallContext call)
    {
        Available();
        if (request.RequestCase != PurgeInstancesRequest.RequestOneofCase.InstanceId)
        {
            // As daprd: only single-instance purge.
            throw new RpcException(new Status(StatusCode.Unknown, "multi-instance purge is not unimplemented"));
        }

        var count = await engine.PurgeAsync(request.InstanceId, request.Recursive, request.Force, call.CancellationToken);
        return new PurgeInstancesResponse { DeletedInstanceCount = count, IsComplete = true };
    }

    public async Task<RerunWorkflowFromEventResponse> RerunWorkflowFromEventAsync(RerunWorkflowFromEventRequest request, ServerCallContext call)
    {
        Available();
        var id = await engine.RerunAsync(request, call.CancellationToken);
        await engine.WaitAsync(id, false, status => status != OrchestrationStatus.Pending, call.CancellationToken);
        return new RerunWorkflowFromEventResponse { NewInstanceID = id };
    }

    public Task<ListInstanceIDsResponse> ListInstanceIdsAsync(ListInstanceIDsRequest request, ServerCallContext call)
    {
        Available();
        return engine.ListAsync(request.HasContinuationToken ? request.ContinuationToken : null, request.HasPageSize ? request.PageSize : 0, call.CancellationToken);
    }

    public async Task<GetInstanceHistoryResponse> GetInstanceHistoryAsync(GetInstanceHistoryRequest request, ServerCallContext call)
    {
        Available();
        var response = new GetInstanceHistoryResponse();
        response.Events.AddRange(await engine.HistoryAsync(request.InstanceId, call.CancellationToken));
        return response;
    }

    /// <summary>
    /// GetWorkItems: registers the caller as a worker and writes the work items handed to it until the call ends
    /// (the app stops or dies) or the sidecar stops; its unanswered items then go to the other workers.
    /// </summary>
    public async Task GetWorkItemsAsync(GetWorkItemsRequest request, IServerStreamWriter<WorkItem> responses, ServerCallContext call)
    {
        Available();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, runtime.Stopping);
        var stream = engine.Dispatcher.Connect();
        Log.WorkerConnected(_logger, call.Peer);
        try
        {
            await foreach (var item in stream.Items.Reader.ReadAllAsync(stop.Token))
            {
                await responses.WriteAsync(item, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The worker went away or the sidecar is stopping.
        }
        catch (IOException)
        {
            // The connection broke while writing.
        }
        finally
        {
            engine.Dispatcher.Disconnect(stream);
            Log.WorkerDisconnected(_logger, call.Peer);
        }
    }

    public async Task<CompleteTaskResponse> CompleteWorkflowTaskAsync(WorkflowResponse response, ServerCallContext call)
    {
        Available();
        await engine.CompleteTurnAsync(response, call.CancellationToken);
        return Completed;
    }

    public async Task<CompleteTaskResponse> CompleteActivityTaskAsync(ActivityResponse response, ServerCallContext call)
    {
        Available();
        await engine.CompleteActivityAsync(response, call.CancellationToken);
        return Completed;
    }

    private void Available()
    {
        if (!engine.IsAvailable)
        {
            throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Workflow worker connected from {Peer}")]
        public static partial void WorkerConnected(ILogger logger, string peer);

        [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Workflow worker {Peer} disconnected")]
        public static partial void WorkerDisconnected(ILogger logger, string peer);
    }
}
