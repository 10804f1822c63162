namespace BioDapr.Sidecar.Grpc;

/// <summary>The marker type Grpc.AspNetCore maps for the durable task <c>TaskHubSidecarService</c>; its methods are bound by <see cref="TaskHubGrpcMethods"/>.</summary>
internal sealed class TaskHubGrpcService;
