using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Options;

namespace BioDapr.Orders.Placing;

/// <summary>
/// Settles, every <see cref="OrdersOptions.SweepInterval"/>, the attempts the journal still holds after their
/// deadline: what a crash of orders (or of its sidecar) left half-done is rolled back, or, when it was placed,
/// announced. Every step is idempotent and guarded by ETags, so several replicas may sweep at once.
/// </summary>
internal sealed partial class JournalSweeper(
    DaprClient sidecar, OrderPlacement placement, TimeProvider time, IOptions<OrdersOptions> options, ILogger<JournalSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = Enumerable.Range(0, options.Value.JournalSlots).Select(OrderPlacement.SlotKey).ToList();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.SweepInterval, time, stoppingToken);
                await SweepAsync(slots, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DaprException or HttpRequestException or OperationCanceledException)
            {
                Log.SweepFailed(logger, ex.Message);
            }
        }
    }

    private async Task SweepAsync(List<string> slots, CancellationToken cancellationToken)
    {
        var due = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.Value.SettleGrace.TotalMilliseconds;
        var items = await sidecar.GetBulkStateAsync<JournalEntry>(OrderPlacement.StateStore, slots, parallelism: null, cancellationToken: cancellationToken);
        foreach (var item in items)
        {
            if (item.Value is { } entry && entry.DeadlineUnixMs < due)
            {
                await placement.SettleAsync(int.Parse(item.Key["journal-".Length..], System.Globalization.CultureInfo.InvariantCulture), entry, cancellationToken);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "The journal sweep failed ({Reason}); it runs again at the next interval")]
        public static partial void SweepFailed(ILogger logger, string reason);
    }
}
