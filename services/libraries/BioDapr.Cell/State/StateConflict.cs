using Dapr;
using Grpc.Core;

namespace BioDapr.Cell.State;

/// <summary>
/// Tells a lost optimistic-concurrency race from a failure: the sidecar answers an ETag or first-write mismatch
/// with gRPC <c>Aborted</c> (HTTP 409), on a single write and on a transaction alike; <see cref="Dapr.Client.DaprClient"/>
/// wraps it in a <see cref="DaprException"/>. The caller reads again, so a real store failure still surfaces there.
/// </summary>
public static class StateConflict
{
    /// <summary>Whether <paramref name="exception"/> reports an ETag or first-write mismatch.</summary>
    public static bool Is(Exception exception) => exception switch
    {
        DaprException { InnerException: RpcException rpc } => IsConflict(rpc),
        RpcException rpc => IsConflict(rpc),
        _ => false,
    };

    private static bool IsConflict(RpcException rpc) =>
        rpc.StatusCode == StatusCode.Aborted
        || (rpc.StatusCode == StatusCode.Internal && rpc.Status.Detail.Contains("ERR_STATE_TRANSACTION", StringComparison.Ordinal) && rpc.Status.Detail.Contains("etag", StringComparison.OrdinalIgnoreCase));
}
