namespace BioDapr.Sidecar.Wire;

/// <summary>
/// A building block refused or failed a request with a daprd error. Thrown by the building-block
/// services; each front end translates it (HTTP: status + JSON body, gRPC: status + rich details).
/// </summary>
internal sealed class DaprApiException(DaprError error) : Exception(error.Message)
{
    public DaprError Error { get; } = error;
}
