using System.Globalization;
using BioDapr.Contracts.Hormones;
using StackExchange.Redis;

namespace BioDapr.Load;

/// <summary>Writes hormones to a configuration store on Redis in Dapr's <c>configuration.redis</c> format (<c>value||version</c>).</summary>
public static class HormoneWriter
{
    /// <summary>
    /// Connects to the hormone Redis (a StackExchange.Redis configuration string, <c>host:port[,password=…]</c>); fails
    /// with <see cref="RedisConnectionException"/> when it cannot be reached.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>Sets every hormone with a value (one MSET, versioned <paramref name="at"/> in unix milliseconds) and deletes those whose value is null.</summary>
    public static async Task SetAsync(IDatabaseAsync redis, IEnumerable<(string Key, string? Value)> hormones, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(hormones);
        var version = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var all = hormones.ToList();
        var sets = all.Where(h => h.Value is not null).Select(h => new KeyValuePair<RedisKey, RedisValue>(h.Key, HormoneValue.Format(h.Value!, version))).ToArray();
        var deletes = all.Where(h => h.Value is null).Select(h => (RedisKey)h.Key).ToArray();
        if (sets.Length > 0)
        {
            await redis.StringSetAsync(sets).WaitAsync(cancellationToken);
        }

        if (deletes.Length > 0)
        {
            await redis.KeyDeleteAsync(deletes).WaitAsync(cancellationToken);
        }
    }
}
