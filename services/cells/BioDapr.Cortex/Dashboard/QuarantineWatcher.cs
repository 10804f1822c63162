using System.Text.Json;
using BioDapr.Cortex.Hormones;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioDapr.Cortex.Dashboard;

/// <summary>
/// Reads the gateway's immune ledger (quarantines) for the page, as the operator tool (<c>./biodapr immune list</c>)
/// does: from the state store's Redis in daprd's <c>state.redis</c> layout (a hash at <c>gateway||immune-ledger</c>,
/// field <c>data</c>). The cortex's sidecar cannot read another app's state key (Dapr prefixes keys with the app id),
/// so it reads the hash directly, on the Redis the hormone store writes to (one Redis locally). Read only.
/// </summary>
public sealed partial class QuarantineWatcher(RedisHormoneStore store, OrganismView view, IOptions<DashboardOptions> options, TimeProvider time, ILogger<QuarantineWatcher> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromMilliseconds(options.Value.QuarantinePollMs);
        string? lastError = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var database = await store.DatabaseAsync(stoppingToken);
                var data = await database.HashGetAsync(options.Value.ImmuneLedgerKey, "data").WaitAsync(stoppingToken);
                view.Quarantines(Parse(data, time.GetUtcNow()), null);
                lastError = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or JsonException or TimeoutException or InvalidOperationException)
            {
                var reason = "the immune ledger could not be read: " + ex.Message;
                if (reason != lastError)
                {
                    Log.Failed(logger, ex.Message);
                }

                lastError = reason;
                view.Quarantines([], reason);
            }

            await Task.Delay(every, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The quarantines in force in a ledger document (none when there is no ledger yet); expired ones are left out.</summary>
    public static IReadOnlyList<QuarantineView> Parse(RedisValue data, DateTimeOffset now)
    {
        if (data.IsNullOrEmpty)
        {
            return [];
        }

        using var document = JsonDocument.Parse((string)data!);
        if (!document.RootElement.TryGetProperty("quarantines", out var quarantines) || quarantines.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        return [.. quarantines.EnumerateObject()
            .Select(q => new QuarantineView(
                q.Value.TryGetProperty("target", out var t) ? t.GetString() ?? q.Name : q.Name,
                q.Value.TryGetProperty("stage", out var s) ? s.ToString() : "?",
                q.Value.TryGetProperty("reason", out var r) ? r.GetString() ?? string.Empty : string.Empty,
                q.Value.TryGetProperty("since", out var since) ? since.GetDateTimeOffset() : now,
                q.Value.TryGetProperty("expiresAt", out var expires) ? expires.GetDateTimeOffset() : now))
            .Where(q => q.ExpiresAt > now)
            .OrderBy(q => q.Target, StringComparer.Ordinal)];
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 625, Level = LogLevel.Warning, Message = "Organism page: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
