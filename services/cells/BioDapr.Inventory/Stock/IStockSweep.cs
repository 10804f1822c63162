namespace BioDapr.Inventory.Stock;

/// <summary>
/// What <see cref="LedgerSweeper"/> drives (implemented by <see cref="StockLedger"/>): the sweep that completes changes
/// left under way, and whether a change was cut off by a failure (the sidecar or the store away mid-change) since the
/// sweeper last asked.
/// </summary>
public interface IStockSweep
{
    /// <summary>Completes the changes whose decision is at least <paramref name="olderThan"/> old and prunes settled decisions; returns how many it completed.</summary>
    Task<int> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken);

    /// <summary>True once after a change ended with a failure (it may have been left under way); resets the flag.</summary>
    bool TakeInterrupted();
}
