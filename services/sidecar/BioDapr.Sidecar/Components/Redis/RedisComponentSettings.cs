using System.Globalization;
using BioDapr.Redis;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Components.Redis;

/// <summary>
/// The Redis connection metadata shared by Dapr's Redis components (<c>redisHost</c>,
/// <c>redisPassword</c>, <c>redisUsername</c>, <c>redisDB</c>, …). What the development sidecar cannot
/// do (cluster, sentinel, TLS) is refused with a message naming the key.
/// </summary>
internal static class RedisComponentSettings
{
    /// <summary>Reads the connection options; throws <see cref="ComponentConfigurationException"/>.</summary>
    public static RedisOptions Connection(ComponentMetadata metadata)
    {
        var host = metadata.GetRequired("redisHost");
        RedisOptions options;
        try
        {
            options = RedisOptions.Parse(host);
        }
        catch (ArgumentException ex)
        {
            throw new ComponentConfigurationException(metadata, $"metadata 'redisHost': {ex.Message}");
        }

        if (metadata.Get("redisPort") is { } port)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                throw new ComponentConfigurationException(metadata, $"metadata 'redisPort': '{port}' is not a valid port");
            }

            if (host.Contains(':', StringComparison.Ordinal) && number != options.Port)
            {
                throw new ComponentConfigurationException(metadata, $"metadata 'redisPort' ({number}) conflicts with the port in 'redisHost' ({host})");
            }

            options = options with { Port = number };
        }

        if (metadata.Get("redisType") is { } type && !string.Equals(type, "node", StringComparison.OrdinalIgnoreCase))
        {
            throw new ComponentConfigurationException(metadata, $"metadata 'redisType': '{type}' is not supported by the development sidecar (only node)");
        }

        if (IsTrue(metadata, "enableTLS"))
        {
            throw new ComponentConfigurationException(metadata, "metadata 'enableTLS': TLS to Redis is not supported by the development sidecar");
        }

        if (IsTrue(metadata, "failover"))
        {
            throw new ComponentConfigurationException(metadata, "metadata 'failover': Redis Sentinel is not supported by the development sidecar");
        }

        var database = 0;
        if (metadata.Get("redisDB") is { } db && (!int.TryParse(db, NumberStyles.None, CultureInfo.InvariantCulture, out database)))
        {
            throw new ComponentConfigurationException(metadata, $"metadata 'redisDB': '{db}' is not a database number");
        }

        return options with
        {
            Password = metadata.Get("redisPassword"),
            Username = metadata.Get("redisUsername"),
            Database = database,
            ConnectTimeout = Duration(metadata, "dialTimeout", TimeSpan.FromSeconds(5)),
            ClientName = "dapr-" + metadata.AppId,
        };
    }

    /// <summary>A duration metadata value: a Go duration or a plain integer of milliseconds.</summary>
    public static TimeSpan Duration(ComponentMetadata metadata, string name, TimeSpan fallback)
    {
        if (metadata.Get(name) is not { } text)
        {
            return fallback;
        }

        if (GoDuration.TryParseDaprDuration(text, out var value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        throw new ComponentConfigurationException(metadata, $"metadata '{name}': '{text}' is not a duration (like 60s, 500ms, or an integer of milliseconds)");
    }

    /// <summary>A positive integer metadata value.</summary>
    public static int PositiveInt(ComponentMetadata metadata, string name, int fallback)
    {
        if (metadata.Get(name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ComponentConfigurationException(metadata, $"metadata '{name}': '{text}' is not a positive integer");
    }

    /// <summary>dapr/kit's truthy rule: true, 1, y, yes, on (any case).</summary>
    public static bool IsTrue(ComponentMetadata metadata, string name) =>
        metadata.Get(name)?.ToLowerInvariant() is "true" or "1" or "y" or "yes" or "on" or "t";
}
