using System.Globalization;
using System.Reflection;
using BioDapr.Contracts.Hormones;
using BioDapr.Pathways.Hormones;
using Dapr.Client;
using StackExchange.Redis;

namespace BioDapr.Cortex.Hormones;

/// <summary>Options of the hormone store (configuration section <c>Cortex:HormoneStore</c>).</summary>
public sealed class HormoneStoreOptions
{
    /// <summary>
    /// The Redis behind the <c>hormones</c> component, as a StackExchange.Redis configuration string
    /// (<c>host:port[,password=…][,ssl=true]</c>).
    /// </summary>
    public string Redis { get; set; } = "localhost:6379";
}

/// <summary>
/// The hormone store: the cortex reads hormones through its sidecar like every cell (<see cref="DaprClient.GetConfiguration"/>
/// on the <c>hormones</c> component), and writes them to the Redis behind that component, because Dapr's configuration
/// API has no write: one string key per hormone (<see cref="HormoneKeys.Pathway"/>) holding <see cref="HormoneValue"/>'s
/// <c>value||version</c>, the version being the write time in Unix milliseconds. Writes go through StackExchange.Redis:
/// one multiplexed connection, opened on first use, that reconnects by itself after Redis restarts.
/// </summary>
public sealed class RedisHormoneStore(DaprClient dapr, HormoneStoreOptions options, TimeProvider time) : IHormoneStore, IAsyncDisposable
{
    private static readonly PropertyInfo[] Properties = [.. typeof(PathwayHormones).GetProperties().Where(p => p.CanWrite)];
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    /// <inheritdoc />
    public async Task<PathwayHormones> ReadAsync(string cell, string target, CancellationToken cancellationToken)
    {
        var keys = Properties.Select(p => HormoneKeys.Pathway(cell, target, HormoneKeys.NameOf(p.Name))).ToArray();
        var items = (await dapr.GetConfiguration(HormoneKeys.Store, keys, cancellationToken: cancellationToken)).Items;
        var hormones = PathwayHormones.Default;
        for (var i = 0; i < Properties.Length; i++)
        {
            if (!items.TryGetValue(keys[i], out var item) || string.IsNullOrEmpty(item.Value))
            {
                continue;
            }

            var text = item.Value;
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
    public Task WriteAsync(string cell, string target, IReadOnlyList<(string Hormone, string Value)> values, HormoneOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        return WriteKeysAsync([.. values.Select(v => (HormoneKeys.Pathway(cell, target, v.Hormone), v.Value))], origin, cancellationToken);
    }

    /// <inheritdoc />
    public async Task WriteKeysAsync(IReadOnlyList<(string Key, string Value)> values, HormoneOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(origin);
        if (values.Count == 0)
        {
            return;
        }

        var database = await DatabaseAsync(cancellationToken);
        var version = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var pairs = values
            .Select(v => new KeyValuePair<RedisKey, RedisValue>(v.Key, HormoneValue.Format(v.Value, version)))
            .ToArray();
        // One transaction: the origins are recorded before the values change (a reader woken by the change finds them),
        // and the hormones change together (one MSET).
        var transaction = database.CreateTransaction();
        foreach (var (key, value) in values)
        {
            _ = transaction.StreamAddAsync(
                HormoneOrigins.StreamKey,
                [new("key", key), new("value", value), new("version", version), new("by", origin.By), new("reason", origin.Reason)],
                maxLength: HormoneOrigins.Capacity,
                useApproximateMaxLength: true);
        }

        _ = transaction.StringSetAsync(pairs);
        if (!await transaction.ExecuteAsync().WaitAsync(cancellationToken))
        {
            throw new RedisException("the hormone write was not applied");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HormoneOriginRecord>> OriginsAsync(string afterId, int count, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken);
        // Exclusive start: "(" + id (Redis 6.2+); "0" reads from the oldest kept.
        var start = afterId is "0" or "" ? "-" : "(" + afterId;
        var entries = await database.StreamRangeAsync(HormoneOrigins.StreamKey, start, "+", count).WaitAsync(cancellationToken);
        return [.. entries.Select(e => new HormoneOriginRecord(
            e.Id!,
            e["key"]!,
            e["value"]!,
            e["version"]!,
            e["by"].IsNull ? HormoneOrigin.Unrecorded : (string)e["by"]!,
            e["reason"].IsNull ? string.Empty : (string)e["reason"]!))];
    }

    /// <summary>The Redis behind the store (the organism page reads the gateway's immune ledger from the same server).</summary>
    internal Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken) => ConnectedAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }

        _connecting.Dispose();
    }

    private async Task<IDatabase> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
        {
            return open.GetDatabase();
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var configuration = ConfigurationOptions.Parse(options.Redis);
                // A first connection that fails is an error for this call, not a poisoned store: the next call tries again.
                configuration.AbortOnConnectFail = true;
                _connection = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken);
            }

            return _connection.GetDatabase();
        }
        finally
        {
            _connecting.Release();
        }
    }
}
