using BioDapr.Cell.Hormones;
using BioDapr.Gateway.Hormones;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// Every second: ends expired quarantines and scores slow callers (<see cref="ImmuneSystem.Sweep"/>). Every
/// <c>gateway.immune.syncMs</c>: writes the immune decisions to the state store (read, apply, write with the ETag;
/// again on a conflict) and adopts what is stored, so quarantines outlive a restart, an operator's release
/// (<c>./biodapr immune release</c>) applies, and every gateway replica holds the same quarantines.
/// </summary>
internal sealed partial class ImmuneSync(ImmuneSystem immune, IImmuneStore store, IHormones<ImmuneHormones> hormones, TimeProvider time, ILogger<ImmuneSync> logger) : BackgroundService
{
    private const int SaveAttempts = 5;

    /// <summary>Stores the pending decisions and adopts the stored ledger; false when the store kept refusing (the decisions wait for the next round).</summary>
    public async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        var changes = immune.TakePending();
        try
        {
            for (var attempt = 0; attempt < SaveAttempts; attempt++)
            {
                var (ledger, etag) = await store.LoadAsync(cancellationToken);
                if (changes.Count == 0)
                {
                    immune.Adopt(ledger);
                    return true;
                }

                ImmuneSystem.Apply(ledger, changes);
                if (await store.TrySaveAsync(ledger, etag, cancellationToken))
                {
                    immune.Adopt(ledger);
                    return true;
                }
            }
        }
        catch
        {
            immune.Requeue(changes);
            throw;
        }

        immune.Requeue(changes);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastSync = long.MinValue / 2;
        var synced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            immune.Sweep();
            var now = time.GetTimestamp();
            if (!synced || time.GetElapsedTime(lastSync, now).TotalMilliseconds >= hormones.Current.SyncMs || immune.PendingChanges > 0)
            {
                try
                {
                    synced = await SyncAsync(stoppingToken) || synced;
                    lastSync = now;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SyncFailed(logger, ex.Message);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // The last decisions before a clean stop are not lost.
        if (immune.PendingChanges > 0)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await SyncAsync(grace.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.SyncFailed(logger, ex.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Could not store or read the immune ledger (quarantines hold in memory; retrying): {Reason}")]
        public static partial void SyncFailed(ILogger logger, string reason);
    }
}
