namespace BioDapr.Sidecar.Grpc;

/// <summary>The marker type Grpc.AspNetCore maps for <c>dapr.proto.runtime.v1.Dapr</c>; its methods are bound by <see cref="DaprGrpcMethods"/>.</summary>
internal sealed class DaprGrpcService;
