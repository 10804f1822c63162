using System.Globalization;

namespace BioDapr.Redis;

/// <summary>Where and how to connect to Redis.</summary>
public sealed record RedisOptions
{
    /// <summary>The default Redis port.</summary>
    public const int DefaultPort = 6379;

    /// <summary>Host name or address.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name (Redis 6+), or null.</summary>
    public string? Username { get; init; }

    /// <summary>Password, or null.</summary>
    public string? Password { get; init; }

    /// <summary>Database index selected after connecting.</summary>
    public int Database { get; init; }

    /// <summary>How long a connect (and a command waiting for a reconnect) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Name shown by CLIENT LIST, or null.</summary>
    public string? ClientName { get; init; }

    /// <summary>Parses <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c>; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public static RedisOptions Parse(string hostAndPort)
    {
        ArgumentNullException.ThrowIfNull(hostAndPort);
        var text = hostAndPort.Trim();
        if (text.Length == 0)
        {
            throw new ArgumentException("the Redis address is empty", nameof(hostAndPort));
        }

        if (text.Contains(',', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{text}' lists several hosts; Redis cluster is not supported", nameof(hostAndPort));
        }

        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"'{text}' has an unclosed '['", nameof(hostAndPort));
            }

            host = text[1..close];
            port = close + 1 < text.Length && text[close + 1] == ':' ? text[(close + 2)..] : null;
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            port = colon < 0 ? null : text[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new ArgumentException($"'{text}' has no host", nameof(hostAndPort));
        }

        var number = DefaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            throw new ArgumentException($"'{port}' in '{text}' is not a valid port", nameof(hostAndPort));
        }

        return new RedisOptions { Host = host == "localhost" ? "127.0.0.1" : host, Port = number };
    }
}
