using BioDapr.Sidecar.Api;

namespace BioDapr.Sidecar.Actors;

/// <summary>An actor operation failed with a daprd error.</summary>
internal sealed class ActorException(DaprError error) : Exception(error.Message)
{
    public DaprError Error { get; } = error;
}
