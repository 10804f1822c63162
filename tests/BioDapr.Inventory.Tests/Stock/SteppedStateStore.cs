using System.Text.Json;
using Dapr;
using Dapr.Client;
using BioDapr.Inventory.Stock;
using Grpc.Core;
using NSubstitute;

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// The edge of the ledger's interleaving tests: one in-memory state store with the Redis store's concurrency rules
/// (an ETag per key, a new one on every write; a write guarded by a stale ETag fails; a first-write of a stored key is
/// an ETag conflict, gRPC <c>Aborted</c>), seen through substitute <see cref="DaprClient"/>s, one per replica. Values are
/// stored as JSON, so every read is a fresh copy, as from a sidecar. Every operation of a call running under a
/// <see cref="StepScheduler"/> first waits at the scheduler's gate and then runs atomically: which call's next store
/// operation goes next is the scheduler's choice, never the thread pool's.
/// </summary>
internal sealed class SteppedStateStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Json, long ETag)> _items = new(StringComparer.Ordinal);
    private long _etags;

    public SteppedStateStore(StepScheduler scheduler) => Scheduler = scheduler;

    public StepScheduler Scheduler { get; }

    /// <summary>The stored value of <paramref name="key"/> (no gate: for setting up and auditing), or default.</summary>
    public T? Peek<T>(string key)
    {
        lock (_gate)
        {
            return _items.TryGetValue(key, out var item) ? JsonSerializer.Deserialize<T>(item.Json, Json) : default;
        }
    }

    /// <summary>Every stored key with the prefix (no gate).</summary>
    public IReadOnlyList<string> Keys(string prefix)
    {
        lock (_gate)
        {
            return [.. _items.Keys.Where(key => key.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>A substitute sidecar client of one replica on this store (state calls only).</summary>
    public DaprClient Client()
    {
        var client = Substitute.For<DaprClient>();
        client.JsonSerializerOptions.Returns(Json);
        Route<ReservationRecord>(client);
        Route<StockLevel>(client);
        client.TryDeleteStateAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<string>(), Arg.Any<StateOptions>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => OperateAsync<bool>($"delete {call.ArgAt<string>(1)} if {call.ArgAt<string>(2)}", () => TryDelete(call.ArgAt<string>(1), call.ArgAt<string>(2))));
        client.DeleteStateAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<StateOptions>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => OperateVoidAsync($"delete {call.ArgAt<string>(1)}", () => TryDelete(call.ArgAt<string>(1), etag: null)));
        return client;
    }

    private void Route<T>(DaprClient client)
    {
        client.GetStateAndETagAsync<T>(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<ConsistencyMode?>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => OperateAsync<(T, string)>($"read {call.ArgAt<string>(1)}", () => Read<T>(call.ArgAt<string>(1))!));
        client.GetStateAsync<T>(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<ConsistencyMode?>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => OperateAsync($"read {call.ArgAt<string>(1)}", () => Read<T>(call.ArgAt<string>(1)).Value!));
        client.TrySaveStateAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<T>(), Arg.Any<string>(), Arg.Any<StateOptions>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => OperateAsync<bool>($"write {call.ArgAt<string>(1)} if {call.ArgAt<string>(3)}", () => TryWrite(call.ArgAt<string>(1), call.ArgAt<T>(2), call.ArgAt<string>(3))));
        client.SaveStateAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<T>(), Arg.Any<StateOptions>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => OperateVoidAsync($"write {call.ArgAt<string>(1)}{(call.ArgAt<StateOptions?>(3)?.Concurrency == ConcurrencyMode.FirstWrite ? " first" : string.Empty)}", () =>
            {
                var firstWrite = call.ArgAt<StateOptions?>(3)?.Concurrency == ConcurrencyMode.FirstWrite;
                if (!Write(call.ArgAt<string>(1), call.ArgAt<T>(2), firstWrite))
                {
                    // What the sidecar answers a first-write of a stored key: an ETag conflict (DaprStateExtensions tells it apart).
                    throw new DaprException("possible etag mismatch", new RpcException(new Status(StatusCode.Aborted, "possible etag mismatch. error from state store: ERR_STATE_SAVE")));
                }

                return true;
            }));
    }

    private async Task<TResult> OperateAsync<TResult>(string operation, Func<TResult> apply)
    {
        await Scheduler.GateAsync(operation);
        lock (_gate)
        {
            return apply();
        }
    }

    private async Task OperateVoidAsync(string operation, Func<bool> apply) => await OperateAsync(operation, apply);

    private (T? Value, string ETag) Read<T>(string key) =>
        _items.TryGetValue(key, out var item)
            ? (JsonSerializer.Deserialize<T>(item.Json, Json), item.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : (default, string.Empty);

    private bool TryWrite<T>(string key, T value, string etag)
    {
        if (!_items.TryGetValue(key, out var item) || item.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture) != etag)
        {
            return false;
        }

        _items[key] = (JsonSerializer.Serialize(value, Json), ++_etags);
        return true;
    }

    private bool Write<T>(string key, T value, bool firstWrite)
    {
        if (firstWrite && _items.ContainsKey(key))
        {
            return false;
        }

        _items[key] = (JsonSerializer.Serialize(value, Json), ++_etags);
        return true;
    }

    private bool TryDelete(string key, string? etag)
    {
        if (!_items.TryGetValue(key, out var item))
        {
            return etag is null;
        }

        if (etag is not null && item.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture) != etag)
        {
            return false;
        }

        _items.Remove(key);
        return true;
    }
}
