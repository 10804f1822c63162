namespace BioDapr.Inventory.Stock;

/// <summary>
/// Completes the stock changes a replica left under way (killed, or its sidecar killed, between the stock's decision and
/// the order's record) and removes settled decisions from the stock (<see cref="StockLedger.SweepAsync"/>). Each replica
/// sweeps; they agree through the ETags, as any two callers do.
/// <list type="bullet">
/// <item>Every <see cref="Period"/>, changes decided at least <see cref="Grace"/> ago (a live replica settles its own in
/// milliseconds).</item>
/// <item>Recovery: at start, after a change of this process ended with a failure, and after a failed sweep, it sweeps
/// every <see cref="RecoveryPeriod"/> with no grace until a sweep succeeds. A change cut by a sidecar kill is then completed
/// within a second of the sidecar's return instead of at the next regular sweep, so an order whose release or retry
/// comes later finds nothing under way. Completing a change another caller is still working on is safe (the same
/// decision settles the record; see <see cref="StockLedger"/>).</item>
/// </list>
/// </summary>
public sealed partial class LedgerSweeper(IStockSweep ledger, TimeProvider time, ILogger<LedgerSweeper> logger) : BackgroundService
{
    /// <summary>How often the stock is swept.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>How old a decision must be before a regular sweep completes its change.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>How often a recovery sweep is tried (and how often the sweeper looks whether one is due).</summary>
    public static readonly TimeSpan RecoveryPeriod = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // At start: what an earlier process of this replica left under way is completed at once.
        var schedule = new SweepSchedule(time.GetUtcNow());
        var failing = false;
        using var timer = new PeriodicTimer(RecoveryPeriod, time);
        do
        {
            if (schedule.Due(time.GetUtcNow(), ledger.TakeInterrupted()) is not { } grace)
            {
                continue;
            }

            try
            {
                var completed = await ledger.SweepAsync(grace, stoppingToken);
                schedule.Succeeded(time.GetUtcNow());
                failing = false;
                if (completed > 0)
                {
                    Log.Completed(logger, completed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The sidecar or the store is away: tried again every second (logged once per outage).
                if (!failing)
                {
                    Log.Failed(logger, ex.Message);
                }

                schedule.Failed();
                failing = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Completed {Count} stock changes left under way")]
        public static partial void Completed(ILogger logger, int count);

        [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Sweeping the stock failed: {Reason}; trying again every second until it succeeds")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
