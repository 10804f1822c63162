using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Workflows;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// The route table of the durable task service daprd serves on its gRPC port for the workflow SDKs:
/// <c>TaskHubSidecarService</c> (no proto package, so paths are <c>/TaskHubSidecarService/&lt;Rpc&gt;</c>), with the
/// message types of Dapr.Workflow 1.19.1 (<c>Dapr.Workflow.Grpc</c>, namespace <c>Dapr.DurableTask.Protobuf</c>).
/// Every method of the descriptor is bound; the handlers in <see cref="TaskHubGrpc"/> translate to the
/// <see cref="WorkflowEngine"/>.
/// </summary>
internal sealed class TaskHubGrpcMethods : IServiceMethodProvider<TaskHubGrpcService>
{
    private readonly GrpcServiceTable<TaskHubGrpcService> _table;

    public TaskHubGrpcMethods(SidecarRuntime runtime, WorkflowEngine engine)
    {
        var table = new GrpcServiceTable<TaskHubGrpcService>(TaskHubSidecarService.Descriptor, new GrpcCallGuard(runtime));
        var hub = new TaskHubGrpc(runtime, engine);

        table.Unary<Empty, Empty>("Hello", (_, _) => Task.FromResult(new Empty()));

        // Instance management (DaprWorkflowClient)
        table.Unary<CreateInstanceRequest, CreateInstanceResponse>("StartInstance", hub.StartInstanceAsync);
        table.Unary<GetInstanceRequest, GetInstanceResponse>("GetInstance", hub.GetInstanceAsync);
        table.Unary<GetInstanceRequest, GetInstanceResponse>("WaitForInstanceStart", hub.WaitForInstanceStartAsync);
        table.Unary<GetInstanceRequest, GetInstanceResponse>("WaitForInstanceCompletion", hub.WaitForInstanceCompletionAsync);
        table.Unary<RaiseEventRequest, RaiseEventResponse>("RaiseEvent", hub.RaiseEventAsync);
        table.Unary<TerminateRequest, TerminateResponse>("TerminateInstance", hub.TerminateInstanceAsync);
        table.Unary<SuspendRequest, SuspendResponse>("SuspendInstance", hub.SuspendInstanceAsync);
        table.Unary<ResumeRequest, ResumeResponse>("ResumeInstance", hub.ResumeInstanceAsync);
        table.Unary<PurgeInstancesRequest, PurgeInstancesResponse>("PurgeInstances", hub.PurgeInstancesAsync);
        table.Unary<RerunWorkflowFromEventRequest, RerunWorkflowFromEventResponse>("RerunWorkflowFromEvent", hub.RerunWorkflowFromEventAsync);
        table.Unary<ListInstanceIDsRequest, ListInstanceIDsResponse>("ListInstanceIDs", hub.ListInstanceIdsAsync);
        table.Unary<GetInstanceHistoryRequest, GetInstanceHistoryResponse>("GetInstanceHistory", hub.GetInstanceHistoryAsync);

        // Worker protocol (the app's WorkflowWorker)
        table.ServerStreaming<GetWorkItemsRequest, WorkItem>("GetWorkItems", hub.GetWorkItemsAsync);
        table.Unary<WorkflowResponse, CompleteTaskResponse>("CompleteOrchestratorTask", hub.CompleteWorkflowTaskAsync);
        table.Unary<WorkflowResponse, CompleteTaskResponse>("CompleteWorkflowTask", hub.CompleteWorkflowTaskAsync);
        table.Unary<ActivityResponse, CompleteTaskResponse>("CompleteActivityTask", hub.CompleteActivityTaskAsync);

        _table = table;
    }

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TaskHubGrpcService> context) => _table.BindAll(context);
}
