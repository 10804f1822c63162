using System.Text.Json;
using BioDapr.Client;

namespace BioDapr.Cell.Actors;

/// <summary>The cached, turn-transactional state of one activation (see <see cref="IActorStateManager"/>).</summary>
internal sealed class ActorStateManager(string actorType, string actorId, IDaprSidecarClient client, JsonSerializerOptions json) : IActorStateManager
{
    private readonly Dictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    public async Task<T> GetStateAsync<T>(string name, CancellationToken cancellationToken = default)
    {
        var (found, value) = await TryGetStateAsync<T>(name, cancellationToken).ConfigureAwait(false);
        return found ? value! : throw new KeyNotFoundException($"Actor {actorType}/{actorId} has no state '{name}'.");
    }

    public async Task<T> GetStateOrDefaultAsync<T>(string name, T fallback, CancellationToken cancellationToken = default)
    {
        var (found, value) = await TryGetStateAsync<T>(name, cancellationToken).ConfigureAwait(false);
        return found ? value! : fallback;
    }

    public async Task<(bool Found, T? Value)> TryGetStateAsync<T>(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var entry = await LoadAsync(name, cancellationToken).ConfigureAwait(false);
        if (entry.Kind == EntryKind.Removed || entry.Json is null)
        {
            return (false, default);
        }

        return (true, entry.Json.Value.Deserialize<T>(json));
    }

    public async Task<bool> ContainsStateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var entry = await LoadAsync(name, cancellationToken).ConfigureAwait(false);
        return entry.Kind != EntryKind.Removed && entry.Json is not null;
    }

    public Task SetStateAsync<T>(string name, T value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _cache[name] = new Entry(JsonSerializer.SerializeToElement(value, json), EntryKind.Changed);
        return Task.CompletedTask;
    }

    public async Task<bool> TryRemoveStateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var existed = await ContainsStateAsync(name, cancellationToken).ConfigureAwait(false);
        if (existed)
        {
            _cache[name] = new Entry(null, EntryKind.Removed);
        }

        return existed;
    }

    public async Task SaveStateAsync(CancellationToken cancellationToken = default)
    {
        var operations = new List<ActorStateOperation>();
        foreach (var (name, entry) in _cache)
        {
            if (entry.Kind == EntryKind.Changed)
            {
                operations.Add(ActorStateOperation.Upsert(name, entry.Json!.Value));
            }
            else if (entry.Kind == EntryKind.Removed)
            {
                operations.Add(ActorStateOperation.Delete(name));
            }
        }

        if (operations.Count == 0)
        {
            return;
        }

        await client.ExecuteActorStateTransactionAsync(actorType, actorId, operations, cancellationToken).ConfigureAwait(false);
        foreach (var operation in operations)
        {
            if (operation.IsDelete)
            {
                _cache[operation.Key] = new Entry(null, EntryKind.Clean);
            }
            else
            {
                _cache[operation.Key] = _cache[operation.Key] with { Kind = EntryKind.Clean };
            }
        }
    }

    /// <summary>Forgets unsaved changes and cached reads (after a failed turn, so the next turn reads the store).</summary>
    public void DiscardChanges() => _cache.Clear();

    private async Task<Entry> LoadAsync(string name, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var raw = await client.GetActorStateRawAsync(actorType, actorId, name, cancellationToken).ConfigureAwait(false);
        JsonElement? value = null;
        if (raw is { } bytes)
        {
            using var document = JsonDocument.Parse(bytes);
            value = document.RootElement.Clone();
        }

        var entry = new Entry(value, EntryKind.Clean);
        _cache[name] = entry;
        return entry;
    }

    private enum EntryKind
    {
        Clean,
        Changed,
        Removed,
    }

    private sealed record Entry(JsonElement? Json, EntryKind Kind);
}
