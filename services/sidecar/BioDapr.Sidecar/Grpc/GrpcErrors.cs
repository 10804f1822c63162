using BioDapr.Sidecar.Wire;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// A daprd error as daprd's gRPC server sends it: the status code and message, and for errors built with
/// dapr/kit a <c>google.rpc.Status</c> in the <c>grpc-status-details-bin</c> trailer with
/// <c>ErrorInfo</c> (reason, domain <c>dapr.io</c>, metadata) and, where daprd adds it, <c>ResourceInfo</c>.
/// </summary>
internal static class GrpcErrors
{
    public const string Domain = "dapr.io";

    public static RpcException ToRpcException(DaprError error)
    {
        var reason = error.Reason ?? error.GrpcReason;
        if (reason is null && error.Resource is null)
        {
            return new RpcException(new global::Grpc.Core.Status(error.GrpcCode, error.Message));
        }

        var status = new Google.Rpc.Status { Code = (int)error.GrpcCode, Message = error.Message };
        if (error.Resource is { } resource)
        {
            status.Details.Add(Any.Pack(new ResourceInfo
            {
                ResourceType = resource.Type,
                ResourceName = resource.Name,
                Description = resource.Description,
            }));
        }

        if (reason is not null)
        {
            var info = new ErrorInfo { Reason = reason, Domain = Domain };
            foreach (var (key, value) in error.ReasonMetadata ?? new Dictionary<string, string>())
            {
                info.Metadata[key] = value;
            }

            status.Details.Add(Any.Pack(info));
        }

        return status.ToRpcException();
    }

    /// <summary>daprd's answer to an API token check that failed (<c>pkg/api/grpc/auth.go</c>).</summary>
    public static RpcException Unauthenticated(string message) => new(new global::Grpc.Core.Status(StatusCode.Unauthenticated, message));
}
