namespace BioDapr.Gateway.Immune;

/// <summary>Where the immune response keeps its <see cref="ImmuneLedger"/> (quarantines, attack memory, audit).</summary>
public interface IImmuneStore
{
    /// <summary>The stored ledger (empty when none) and its ETag (null when none is stored).</summary>
    Task<(ImmuneLedger Ledger, string? ETag)> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="ledger"/> if the stored one still has <paramref name="etag"/> (null: if none is stored); false when another writer came first.</summary>
    Task<bool> TrySaveAsync(ImmuneLedger ledger, string? etag, CancellationToken cancellationToken);
}
