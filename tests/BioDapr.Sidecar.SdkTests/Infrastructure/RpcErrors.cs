using Dapr;
using Google.Rpc;
using Grpc.Core;

namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>Reads what the SDK surfaces of a failed call: the gRPC status and daprd's rich details.</summary>
internal static class RpcErrors
{
    public static RpcException Rpc(this DaprException exception) =>
        exception.InnerException as RpcException ?? throw new InvalidOperationException($"no RpcException inside: {exception}");

    public static ErrorInfo? ErrorInfo(this RpcException exception) => exception.GetRpcStatus()?.GetDetail<ErrorInfo>();

    public static ResourceInfo? ResourceInfo(this RpcException exception) => exception.GetRpcStatus()?.GetDetail<ResourceInfo>();
}
