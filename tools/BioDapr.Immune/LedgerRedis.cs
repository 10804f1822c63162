using System.Text.Json;
using BioDapr.Gateway.Immune;
using StackExchange.Redis;

namespace BioDapr.Immune;

/// <summary>
/// The gateway's <see cref="ImmuneLedger"/> in the state store's Redis, in daprd's <c>state.redis</c> layout (a hash at
/// <c>gateway||immune-ledger</c> with <c>data</c>, the JSON value, and <c>version</c>, the ETag): an operator has no
/// sidecar, so the tool reads and writes it as the store does, and writes only if the version did not move meanwhile.
/// The gateway adopts the change at its next sync (<c>gateway.immune.syncMs</c>).
/// </summary>
internal sealed class LedgerRedis(IDatabase redis, string appId = "gateway")
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private RedisKey Key => appId + "||" + ImmuneLedger.StateKey;

    public async Task<(ImmuneLedger Ledger, RedisValue Version)> LoadAsync()
    {
        var fields = await redis.HashGetAsync(Key, ["data", "version"]);
        if (fields[0].IsNull)
        {
            return (new ImmuneLedger(), RedisValue.Null);
        }

        return (JsonSerializer.Deserialize<ImmuneLedger>((string)fields[0]!, Json) ?? new ImmuneLedger(), fields[1]);
    }

    /// <summary>Removes <paramref name="target"/>'s quarantine and audits it; false when it has none. Retries when the gateway wrote meanwhile.</summary>
    public async Task<bool> ReleaseAsync(string target, string by, DateTimeOffset now)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var (ledger, version) = await LoadAsync();
            if (!ledger.Quarantines.Remove(target, out var quarantine))
            {
                return false;
            }

            ledger.Audit.Add(new ImmuneAuditEntry(now, "released", target, $"released (was {quarantine.Stage.ToString().ToLowerInvariant()} for {quarantine.Reason})", by));
            if (ledger.Audit.Count > ImmuneLedger.MaxAudit)
            {
                ledger.Audit.RemoveRange(0, ledger.Audit.Count - ImmuneLedger.MaxAudit);
            }

            var transaction = redis.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(Key, "version", version));
            _ = transaction.HashSetAsync(Key, "data", JsonSerializer.Serialize(ledger, Json));
            _ = transaction.HashIncrementAsync(Key, "version");
            if (await transaction.ExecuteAsync())
            {
                return true;
            }
        }

        throw new InvalidOperationException("the gateway kept writing the ledger; try again.");
    }
}
