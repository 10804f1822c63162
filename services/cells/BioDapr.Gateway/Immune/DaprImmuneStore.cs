using BioDapr.Cell.State;
using Dapr;
using Dapr.Client;

namespace BioDapr.Gateway.Immune;

/// <summary>The ledger in the Dapr state store <see cref="StoreName"/>, under <see cref="ImmuneLedger.StateKey"/>, guarded by its ETag.</summary>
public sealed class DaprImmuneStore(DaprClient dapr) : IImmuneStore
{
    /// <summary>The state store component.</summary>
    public const string StoreName = "statestore";

    /// <inheritdoc />
    public async Task<(ImmuneLedger Ledger, string? ETag)> LoadAsync(CancellationToken cancellationToken)
    {
        var (ledger, etag) = await dapr.GetStateAndETagAsync<ImmuneLedger?>(StoreName, ImmuneLedger.StateKey, cancellationToken: cancellationToken);
        return (ledger ?? new ImmuneLedger(), string.IsNullOrEmpty(etag) ? null : etag);
    }

    /// <inheritdoc />
    public async Task<bool> TrySaveAsync(ImmuneLedger ledger, string? etag, CancellationToken cancellationToken)
    {
        if (etag is null)
        {
            return await dapr.TrySaveFirstAsync(StoreName, ImmuneLedger.StateKey, ledger, cancellationToken);
        }

        try
        {
            return await dapr.TrySaveStateAsync(StoreName, ImmuneLedger.StateKey, ledger, etag, cancellationToken: cancellationToken);
        }
        catch (DaprException ex) when (StateConflict.Is(ex))
        {
            return false;
        }
    }
}
