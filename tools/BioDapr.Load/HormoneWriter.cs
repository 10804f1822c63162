using System.Globalization;
using BioDapr.Redis;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Load;

/// <summary>Writes hormones to a configuration store on Redis in Dapr's <c>configuration.redis</c> format (<c>value||version</c>).</summary>
public static class HormoneWriter
{
    /// <summary>Sets every hormone with a value (one MSET, versioned <paramref name="at"/> in unix milliseconds) and deletes those whose value is null.</summary>
    public static async Task SetAsync(RedisConnection redis, IEnumerable<(string Key, string? Value)> hormones, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(hormones);
        var version = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var all = hormones.ToList();
        var sets = all.Where(h => h.Value is not null).SelectMany(h => new RedisArg[] { h.Key, HormoneValue.Format(h.Value!, version) }).ToArray();
        var deletes = all.Where(h => h.Value is null).Select(h => (RedisArg)h.Key).ToArray();
        if (sets.Length > 0)
        {
            await redis.ExecuteAsync("MSET", sets, cancellationToken);
        }

        if (deletes.Length > 0)
        {
            await redis.ExecuteAsync("DEL", deletes, cancellationToken);
        }
    }
}
