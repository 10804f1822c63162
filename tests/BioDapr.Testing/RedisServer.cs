using BioDapr.Launcher;
using StackExchange.Redis;
using Xunit;

namespace BioDapr.Testing;

/// <summary>
/// A real redis-server (<see cref="RedisProcess"/>) as an xunit fixture: started before the first test that uses it,
/// stopped and deleted after the last; StackExchange.Redis connections for tests that inspect or seed its data.
/// </summary>
public sealed class RedisServer : RedisProcess, IAsyncLifetime
{
    /// <summary>A StackExchange.Redis connection to the server, for tests that inspect or seed its data.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectAsync(Port);

    /// <summary>A StackExchange.Redis connection to a test server on loopback <paramref name="port"/>.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(int port) =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { "127.0.0.1", port } }, AllowAdmin = true });

    /// <summary>Key/value pairs for one <c>MSET</c> from a flat list <c>key1, value1, key2, value2, …</c>.</summary>
    public static KeyValuePair<RedisKey, RedisValue>[] Pairs(params IReadOnlyList<string> keysAndValues)
    {
        ArgumentNullException.ThrowIfNull(keysAndValues);
        if (keysAndValues.Count % 2 != 0)
        {
            throw new ArgumentException($"expected key/value pairs, got {keysAndValues.Count} items", nameof(keysAndValues));
        }

        return [.. Enumerable.Range(0, keysAndValues.Count / 2).Select(i => new KeyValuePair<RedisKey, RedisValue>(keysAndValues[2 * i], keysAndValues[(2 * i) + 1]))];
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}
