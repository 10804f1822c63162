namespace BioDapr.Inventory.Stock;

/// <summary>
/// Every <see cref="Period"/>, completes the stock changes a replica left under way (killed between the stock's
/// decision and the order's record) and removes settled decisions from the stock (<see cref="StockLedger.SweepAsync"/>).
/// Each replica sweeps; they agree through the ETags, as any two callers do.
/// </summary>
public sealed partial class LedgerSweeper(StockLedger ledger, TimeProvider time, ILogger<LedgerSweeper> logger) : BackgroundService
{
    /// <summary>How often the stock is swept.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>How old a decision must be before the sweep completes its change (a live replica settles it in milliseconds).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await ledger.SweepAsync(Grace, stoppingToken) is > 0 and var completed)
                {
                    Log.Completed(logger, completed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The sidecar or the store is away: the next sweep tries again.
                Log.Failed(logger, ex.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Completed {Count} stock changes left under way")]
        public static partial void Completed(ILogger logger, int count);

        [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Sweeping the stock failed: {Reason}; trying again at the next sweep")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
