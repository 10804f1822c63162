using System.Globalization;
using System.Reflection;
using System.Text.Json;
using BioDapr.Pathways.Hormones;
using BioDapr.Redis;

namespace BioDapr.Cortex.Hormones;

/// <summary>Options of the hormone store (configuration section <c>Cortex:HormoneStore</c>).</summary>
public sealed class HormoneStoreOptions
{
    /// <summary>The Redis behind the <c>hormones</c> component (<c>host:port[,password=…]</c>).</summary>
    public string Redis { get; set; } = "localhost:6379";
}

/// <summary>
/// The hormone store on Redis, in Dapr's <c>configuration.redis</c> layout: one string key per hormone
/// (<c>&lt;cell&gt;.pathways.&lt;target&gt;.&lt;hormone&gt;</c>) holding <c>value||version</c>; the version is the
/// write time in Unix milliseconds. One pipelined connection, opened on first use.
/// </summary>
public sealed class RedisHormoneStore(HormoneStoreOptions options, TimeProvider time) : IHormoneStore, IAsyncDisposable
{
    private static readonly PropertyInfo[] Properties = [.. typeof(PathwayHormones).GetProperties().Where(p => p.CanWrite)];
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private RedisConnection? _connection;

    /// <inheritdoc />
    public async Task<PathwayHormones> ReadAsync(string cell, string target, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        var keys = Properties.Select(p => Key(cell, target, JsonNamingPolicy.CamelCase.ConvertName(p.Name))).ToArray();
        var reply = await connection.ExecuteAsync("MGET", [.. keys.Select(k => (RedisArg)k)], cancellationToken);
        var hormones = PathwayHormones.Default;
        var items = reply.Items;
        for (var i = 0; i < Properties.Length && i < items.Count; i++)
        {
            if (items[i].IsNull || items[i].AsString() is not { } stored)
            {
                continue;
            }

            var separator = stored.LastIndexOf("||", StringComparison.Ordinal);
            var text = separator >= 0 ? stored[..separator] : stored;
            var property = Properties[i];
            object? value = property.PropertyType == typeof(bool) ? bool.TryParse(text, out var b) ? b : null
                : property.PropertyType == typeof(int) ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
            if (value is not null)
            {
                // Records are immutable: copy, then set the one property on the copy.
                var copy = hormones with { };
                property.SetValue(copy, value);
                hormones = copy.Validate().Count == 0 ? copy : hormones;
            }
        }

        return hormones;
    }

    /// <inheritdoc />
    public async Task WriteAsync(string cell, string target, IReadOnlyList<(string Hormone, string Value)> values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return;
        }

        var connection = await ConnectAsync(cancellationToken);
        var version = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var arguments = new List<RedisArg>(values.Count * 2);
        foreach (var (hormone, value) in values)
        {
            arguments.Add(Key(cell, target, hormone));
            arguments.Add($"{value}||{version}");
        }

        await connection.ExecuteAsync("MSET", [.. arguments], cancellationToken);
    }

    /// <summary>The configuration key of one pathway hormone.</summary>
    public static string Key(string cell, string target, string hormone) => $"{cell}.pathways.{target}.{hormone}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _connecting.Dispose();
    }

    private async Task<RedisConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
        {
            return open;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            return _connection ??= await RedisConnection.ConnectAsync(RedisOptions.Parse(options.Redis), cancellationToken);
        }
        finally
        {
            _connecting.Release();
        }
    }
}
