using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Actor state in the store marked <c>actorStateStore: "true"</c>, under daprd's keys
/// <c>appid||type||id||key</c>; changes only while the actor is active here, in one transaction.
/// </summary>
internal sealed class ActorStateService(StateStoreEntry? store, ActorActivations activations, string appId)
{
    /// <summary>Reads one key of an actor's state.</summary>
    public async Task<StateItem?> GetAsync(string type, string id, string key, CancellationToken cancellationToken)
    {
        var component = Store().Component;
        try
        {
            return await component.GetAsync(StateKey(type, id, key), new StateGetOptions(StateConsistency.Unspecified, new Dictionary<string, string>()), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(DaprErrors.ActorStateGet(ex.Message));
        }
    }

    /// <summary>Applies an actor's state changes in one transaction; the actor must be active on this sidecar.</summary>
    public async Task TransactionAsync(string type, string id, IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        var component = Store().Component;
        if (!activations.TryGetActive(type, id, out _))
        {
            throw new DaprApiException(DaprErrors.ActorInstanceMissing());
        }

        try
        {
            await component.ExecuteTransactionAsync(operations, new Dictionary<string, string>(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new DaprApiException(DaprErrors.ActorStateTransaction(ex.Message));
        }
    }

    /// <summary>The stored key of an actor's state key (daprd's layout).</summary>
    public string StateKey(string type, string id, string key) => $"{appId}||{type}||{id}||{key}";

    private StateStoreEntry Store() => store ?? throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());
}
