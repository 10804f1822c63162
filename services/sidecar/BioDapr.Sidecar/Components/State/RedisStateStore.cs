using System.Globalization;
using BioDapr.Redis;
using BioDapr.Sidecar.Components.Redis;

namespace BioDapr.Sidecar.Components.State;

/// <summary>
/// <c>state.redis</c> with Dapr's layout, so daprd and this sidecar can share one Redis: each key is a
/// hash with <c>data</c> (the JSON value) and <c>version</c> (the integer ETag, "1" after the first
/// write), plus <c>first-write</c> when saved with first-write concurrency. Writes and deletes run as
/// Lua scripts with the same conditions as Dapr's; transactions are MULTI/EXEC of the same scripts.
/// </summary>
internal sealed partial class RedisStateStore : IStateStore
{
    // Same rules as Dapr's script: write when there is no version yet (or a non-hash is in the way),
    // when the expected version matches, or when no ETag was given and the key was not first-written.
    private const string SetScript = """
        local version = redis.pcall("HGET", KEYS[1], "version")
        if type(version) == "table" then redis.call("DEL", KEYS[1]) end
        local firstWrite = redis.pcall("HGET", KEYS[1], "first-write")
        if not version or type(version) == "table" or version == "" or version == ARGV[1] or (not firstWrite and ARGV[1] == "0") then
          redis.call("HSET", KEYS[1], "data", ARGV[2])
          if ARGV[3] == "0" then redis.call("HSET", KEYS[1], "first-write", 0) end
          return redis.call("HINCRBY", KEYS[1], "version", 1)
        end
        return redis.error_reply("failed to set key " .. KEYS[1])
        """;

    private const string DeleteScript = """
        local version = redis.pcall("HGET", KEYS[1], "version")
        if not version or type(version) == "table" or version == ARGV[1] or version == "" or ARGV[1] == "0" then
          return redis.call("DEL", KEYS[1])
        end
        return redis.error_reply("failed to delete " .. KEYS[1])
        """;

    private const string TtlMetadataKey = "ttlInSeconds";

    private readonly RedisConnection _redis;
    private readonly long? _defaultTtlSeconds;
    private readonly ILogger _logger;

    private RedisStateStore(ComponentMetadata metadata, RedisConnection redis, long? defaultTtlSeconds, ILogger logger)
    {
        Name = metadata.Name;
        Version = metadata.Version;
        _redis = redis;
        _defaultTtlSeconds = defaultTtlSeconds;
        _logger = logger;
    }

    public string Name { get; }

    public string Type => "state.redis";

    public string Version { get; }

    public IReadOnlyList<string> Capabilities { get; } = ["ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE"];

    public StateStoreFeatures Features => StateStoreFeatures.ETag | StateStoreFeatures.Transactional | StateStoreFeatures.Ttl | StateStoreFeatures.KeysLike;

    /// <summary>Connects and checks the metadata.</summary>
    public static async Task<RedisStateStore> CreateAsync(ComponentMetadata metadata, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        _ = time;
        var options = RedisComponentSettings.Connection(metadata);
        long? ttl = null;
        if (metadata.Get(TtlMetadataKey) is { Length: > 0 } ttlText)
        {
            ttl = long.TryParse(ttlText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new ComponentConfigurationException(metadata, $"metadata 'ttlInSeconds': '{ttlText}' is not an integer");
        }

        if (metadata.Get("queryIndexes") is not null)
        {
            throw new ComponentConfigurationException(metadata, "metadata 'queryIndexes': the query API needs RedisJSON/RediSearch, which the development sidecar does not support");
        }

        RedisConnection redis;
        try
        {
            redis = await RedisConnection.ConnectAsync(options, cancellationToken);
        }
        catch (RedisConnectionException ex)
        {
            throw new ComponentConfigurationException(metadata, ex.Message, ex);
        }

        return new RedisStateStore(metadata, redis, ttl, logger);
    }

    public async Task<StateItem?> GetAsync(string key, StateGetOptions options, CancellationToken cancellationToken)
    {
        RedisReply reply;
        try
        {
            reply = await _redis.ExecuteAsync("HGETALL", [key], cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Prefix == "WRONGTYPE")
        {
            // Dapr falls back to a plain GET for values written without the hash layout.
            var plain = await _redis.ExecuteAsync("GET", [key], cancellationToken);
            return plain.IsNull ? null : new StateItem(plain.Bytes, null, Empty);
        }

        if (reply.Items.Count == 0)
        {
            return null;
        }

        byte[]? data = null;
        string? version = null;
        for (var i = 0; i + 1 < reply.Items.Count; i += 2)
        {
            switch (reply.Items[i].AsString())
            {
                case "data":
                    data = reply.Items[i + 1].Bytes;
                    break;
                case "version":
                    version = reply.Items[i + 1].AsString();
                    break;
            }
        }

        if (data is null || version is null)
        {
            throw new InvalidOperationException("required hash field 'data' or 'version' was not found");
        }

        return new StateItem(data, version, Empty);
    }

    public async Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        var version = ParseETag(request.ETag, request.Concurrency);
        var ttl = Ttl(request.Metadata) ?? _defaultTtlSeconds;
        try
        {
            await _redis.ExecuteAsync("EVAL", [SetScript, 1, request.Key, version, request.Value, request.Concurrency == StateConcurrency.FirstWrite ? 0 : 1], cancellationToken);
        }
        catch (RedisServerException) when (request.ETag is not null)
        {
            throw new StateETagMismatchException(request.Key);
        }

        if (ttl is { } seconds)
        {
            await _redis.ExecuteAsync(seconds > 0 ? "EXPIRE" : "PERSIST", seconds > 0 ? [request.Key, seconds] : [request.Key], cancellationToken);
        }
    }

    public async Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _redis.ExecuteAsync("EVAL", [DeleteScript, 1, request.Key, string.IsNullOrEmpty(request.ETag) ? "0" : request.ETag], cancellationToken);
        }
        catch (RedisServerException)
        {
            throw new StateETagMismatchException(request.Key);
        }
    }

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var commands = new List<IReadOnlyList<RedisArg>> { new RedisArg[] { "MULTI" } };
        foreach (var operation in operations)
        {
            if (operation.Set is { } set)
            {
                // As Dapr: no first-write flag inside transactions.
                commands.Add(["EVAL", SetScript, 1, set.Key, ParseETag(set.ETag, set.Concurrency), set.Value]);
                if ((Ttl(set.Metadata) ?? _defaultTtlSeconds) is { } seconds)
                {
                    commands.Add(seconds > 0 ? ["EXPIRE", set.Key, seconds] : ["PERSIST", set.Key]);
                }
            }
            else
            {
                var delete = operation.Delete!;
                commands.Add(["EVAL", DeleteScript, 1, delete.Key, string.IsNullOrEmpty(delete.ETag) ? "0" : delete.ETag]);
            }
        }

        commands.Add(new RedisArg[] { "EXEC" });
        var replies = await _redis.ExecuteBatchAsync(commands, cancellationToken);
        var failure = replies.Take(replies.Count - 1).FirstOrDefault(r => r.IsError)
            ?? replies[^1].Items.FirstOrDefault(r => r.IsError)
            ?? (replies[^1].IsError ? replies[^1] : null);
        if (failure is not null)
        {
            // Redis cannot roll back: operations before the failing one are applied, as with Dapr.
            Log.TransactionFailed(_logger, Name, failure.Text ?? "unknown error");
            throw new InvalidOperationException(failure.Text);
        }
    }

    public ValueTask DisposeAsync() => _redis.DisposeAsync();

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    // Dapr: last-write or no ETag → 0 (unconditional); otherwise the ETag must be an integer.
    private static long ParseETag(string? etag, StateConcurrency concurrency)
    {
        if (concurrency == StateConcurrency.LastWrite || string.IsNullOrEmpty(etag))
        {
            return 0;
        }

        return long.TryParse(etag, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new StateETagInvalidException(etag);
    }

    // As Dapr's parseTTL (strconv.ParseInt, base 10, 64 bits): absent or empty means none; > 0 sends EXPIRE; <= 0 sends PERSIST.
    private static long? Ttl(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(TtlMetadataKey, out var text) || text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw new ArgumentException($"failed to parse ttl from metadata: {TtlMetadataKey} '{text}' is not an integer number of seconds");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 70, Level = LogLevel.Debug, Message = "Redis transaction on state store {Store} failed: {Reason}")]
        public static partial void TransactionFailed(ILogger logger, string store, string reason);
    }
}
