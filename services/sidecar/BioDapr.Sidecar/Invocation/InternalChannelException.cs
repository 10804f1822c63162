namespace BioDapr.Sidecar.Invocation;

/// <summary>The callee sidecar refused a call itself (see <see cref="InternalChannel"/>); <see cref="Kind"/> names the gRPC status daprd would report.</summary>
internal sealed class InternalChannelException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;

    /// <summary>The error text daprd puts after <c>err:</c>, as the Go gRPC status prints itself.</summary>
    public string GrpcText => $"rpc error: code = {Kind} desc = {Message}";
}
