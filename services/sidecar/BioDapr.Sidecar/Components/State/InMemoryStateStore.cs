using System.Globalization;

namespace BioDapr.Sidecar.Components.State;

/// <summary>
/// <c>state.in-memory</c>: a state store inside the sidecar process with the semantics of Dapr's
/// in-memory store.
/// <list type="bullet">
/// <item>Every write gives the key a new random UUID as its ETag.</item>
/// <item>An ETag, when sent, must match the stored one whatever the concurrency mode; first-write
/// without an ETag fails when the key exists.</item>
/// <item><c>ttlInSeconds</c> (request metadata) sets an expiry; a key is gone once the clock is past
/// it, and a sweep removes expired keys every <see cref="CleanupInterval"/>.</item>
/// <item>A transaction checks every ETag against the state before the transaction and applies
/// nothing if one fails; otherwise it applies all operations in order under one lock.</item>
/// </list>
/// </summary>
internal sealed partial class InMemoryStateStore : IStateStore
{
    /// <summary>The component type.</summary>
    public const string ComponentType = "state.in-memory";

    /// <summary>The request metadata key for a per-item time-to-live in seconds.</summary>
    public const string TtlMetadataKey = "ttlInSeconds";

    /// <summary>The response metadata key with the expiry time of a key that has a TTL.</summary>
    public const string TtlExpireTimeMetadataKey = "ttlExpireTime";

    /// <summary>How often expired keys are swept.</summary>
    public static readonly TimeSpan CleanupInterval = TimeSpan.FromSeconds(1);

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private readonly Dictionary<string, Entry> _items = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ITimer _cleanup;
    private bool _disposed;

    /// <param name="metadata">The component identity (this store has no metadata of its own).</param>
    /// <param name="timeProvider">The clock for TTLs; the system clock when null.</param>
    /// <param name="random">The source of ETags; an unseeded one when null.</param>
    public InMemoryStateStore(ComponentMetadata metadata, TimeProvider? timeProvider = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Name = metadata.Name;
        Type = metadata.Type;
        Version = metadata.Version;
        _time = timeProvider ?? TimeProvider.System;
        _random = random ?? new Random();
        _cleanup = _time.CreateTimer(_ => RemoveExpired(), null, CleanupInterval, CleanupInterval);
    }

    public string Name { get; }

    public string Type { get; }

    public string Version { get; }

    public StateStoreFeatures Features => StateStoreFeatures.ETag | StateStoreFeatures.Transactional | StateStoreFeatures.Ttl | StateStoreFeatures.KeysLike;

    public IReadOnlyList<string> Capabilities { get; } = ["ETAG", "TRANSACTIONAL", "TTL", "DELETE_WITH_PREFIX", "KEYS_LIKE"];

    /// <summary>The number of keys held, expired ones not yet swept included (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    public Task<StateItem?> GetAsync(string key, StateGetOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!TryGetLive(key, out var entry))
            {
                return Task.FromResult<StateItem?>(null);
            }

            var metadata = entry.ExpiresAt is { } expiresAt
                ? new Dictionary<string, string>
                {
                    [TtlExpireTimeMetadataKey] = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                }
                : NoMetadata;
            return Task.FromResult<StateItem?>(new StateItem(entry.Data, entry.ETag, metadata));
        }
    }

    public Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var ttl = ParseTtl(request.Key, request.Metadata);
        var data = request.Value.ToArray();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CheckETag(request.Key, request.ETag, request.Concurrency);
            Put(request.Key, data, ttl);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CheckETag(request.Key, request.ETag, request.Concurrency);
            _items.Remove(request.Key);
        }

        return Task.CompletedTask;
    }

    public Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        cancellationToken.ThrowIfCancellationRequested();

        // Everything that can fail is checked before the first change, so a failed transaction leaves no trace.
        var prepared = new (StateOperation Operation, byte[]? Data, long Ttl)[operations.Count];
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i] ?? throw new ArgumentException($"operation {i} is null", nameof(operations));
            prepared[i] = operation.Set is { } set
                ? (operation, (byte[]?)set.Value.ToArray(), ParseTtl(set.Key, set.Metadata))
                : operation.Delete is not null
                    ? (operation, null, 0)
                    : throw new ArgumentException($"operation {i} is neither an upsert nor a delete", nameof(operations));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var (operation, _, _) in prepared)
            {
                if (operation.Set is { } set)
                {
                    CheckETag(set.Key, set.ETag, set.Concurrency);
                }
                else
                {
                    CheckETag(operation.Delete!.Key, operation.Delete.ETag, operation.Delete.Concurrency);
                }
            }

            foreach (var (operation, data, ttl) in prepared)
            {
                if (operation.Set is { } set)
                {
                    Put(set.Key, data!, ttl);
                }
                else
                {
                    _items.Remove(operation.Delete!.Key);
                }
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
            _items.Clear();
        }

        _cleanup.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads <c>ttlInSeconds</c> as Dapr's in-memory store does: absent or empty means none, negative means none.</summary>
    private static long ParseTtl(string key, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(TtlMetadataKey, out var text) || string.IsNullOrEmpty(text))
        {
            return 0;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new ArgumentException($"invalid {TtlMetadataKey} '{text}' for key '{key}': not an integer number of seconds");
        }

        return Math.Max(seconds, 0);
    }

    private void CheckETag(string key, string? etag, StateConcurrency concurrency)
    {
        var hasETag = !string.IsNullOrEmpty(etag);
        if (!hasETag)
        {
            if (concurrency == StateConcurrency.FirstWrite && TryGetLive(key, out _))
            {
                throw new StateETagMismatchException(key);
            }

            return;
        }

        // In Dapr's in-memory store an ETag is checked in last-write mode too, unlike Redis.
        if (!TryGetLive(key, out var entry) || !string.Equals(entry.ETag, etag, StringComparison.Ordinal))
        {
            throw new StateETagMismatchException(key);
        }
    }

    private void Put(string key, byte[] data, long ttlSeconds)
    {
        DateTimeOffset? expiresAt = null;
        if (ttlSeconds > 0)
        {
            var now = _time.GetUtcNow();
            var room = (DateTimeOffset.MaxValue - now).TotalSeconds;
            expiresAt = ttlSeconds >= room ? DateTimeOffset.MaxValue : now.AddSeconds(ttlSeconds);
        }

        _items[key] = new Entry(data, NewETag(), expiresAt);
    }

    /// <summary>A random (version 4) UUID from the injected source, like Dapr's ETags.</summary>
    private string NewETag()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>Finds a key that has not expired; an expired one is removed on sight.</summary>
    private bool TryGetLive(string key, out Entry entry)
    {
        if (!_items.TryGetValue(key, out entry!))
        {
            return false;
        }

        if (entry.IsExpired(_time.GetUtcNow()))
        {
            _items.Remove(key);
            return false;
        }

        return true;
    }

    private void RemoveExpired()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var (key, entry) in _items)
            {
                if (entry.IsExpired(now))
                {
                    _items.Remove(key);
                }
            }
        }
    }

    private sealed record Entry(byte[] Data, string ETag, DateTimeOffset? ExpiresAt)
    {
        // Dapr treats a key as expired only once the clock is strictly past its expiry.
        public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expiresAt && now > expiresAt;
    }
}
