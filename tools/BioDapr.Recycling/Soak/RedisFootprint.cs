using System.Globalization;
using BioDapr.Redis;

namespace BioDapr.Recycling.Soak;

/// <summary>Reads what the organism occupies in Redis: memory, keys (and how many expire), the topic streams' lengths.</summary>
public sealed class RedisFootprint(RedisConnection redis)
{
    /// <summary>The streams measured (the organism's topics).</summary>
    public static readonly IReadOnlyList<string> Streams =
        [BioDapr.Contracts.Topics.Orders, BioDapr.Contracts.Topics.Payments, BioDapr.Contracts.Topics.Vitals, BioDapr.Contracts.Topics.DeadLetters];

    /// <summary>
    /// used_memory, keys, expiring keys, each stream's length and its bytes in Redis (<c>MEMORY USAGE key SAMPLES 0</c>:
    /// every node counted, not estimated from a sample; 0 when the stream does not exist), in <see cref="Streams"/> order.
    /// </summary>
    public async Task<(long UsedMemory, long Keys, long Expiring, long[] StreamLengths, long[] StreamBytes)> ReadAsync(CancellationToken cancellationToken)
    {
        var memory = Field(Info(await redis.ExecuteAsync("INFO", ["memory"], cancellationToken)), "used_memory");
        var keyspace = Info(await redis.ExecuteAsync("INFO", ["keyspace"], cancellationToken));
        long keys = 0, expiring = 0;
        if (keyspace.TryGetValue("db0", out var db0))
        {
            // db0:keys=123,expires=45,avg_ttl=...
            foreach (var part in db0.Split(','))
            {
                var pair = part.Split('=');
                if (pair.Length == 2 && pair[0] == "keys")
                {
                    keys = long.Parse(pair[1], CultureInfo.InvariantCulture);
                }
                else if (pair.Length == 2 && pair[0] == "expires")
                {
                    expiring = long.Parse(pair[1], CultureInfo.InvariantCulture);
                }
            }
        }

        var lengths = new long[Streams.Count];
        var bytes = new long[Streams.Count];
        for (var i = 0; i < Streams.Count; i++)
        {
            lengths[i] = (await redis.ExecuteAsync("XLEN", [Streams[i]], cancellationToken)).AsInt64();
            var usage = await redis.ExecuteAsync("MEMORY", ["USAGE", Streams[i], "SAMPLES", "0"], cancellationToken);
            bytes[i] = usage.IsNull ? 0 : usage.AsInt64();
        }

        return (memory, keys, expiring, lengths, bytes);
    }

    private static Dictionary<string, string> Info(RedisReply reply)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (reply.AsString() ?? string.Empty).Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                fields[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
            }
        }

        return fields;
    }

    private static long Field(Dictionary<string, string> info, string name) =>
        info.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
