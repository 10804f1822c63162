using System.Text.Json;
using BioDapr.Sidecar.Components.State;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Reminders persisted in the actor state store: one JSON document per actor type (key
/// <c>biodapr||reminders||&lt;type&gt;</c>). Updates from this sidecar are serialized per type;
/// updates from other sidecars are detected with ETags and re-applied after a short random backoff.
/// </summary>
internal sealed class ReminderStore(IStateStore store, Random random)
{
    private const int MaxAttempts = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _writers = new(StringComparer.Ordinal);

    /// <summary>The reminders of <paramref name="actorType"/>.</summary>
    public async Task<IReadOnlyList<ReminderRecord>> LoadAsync(string actorType, CancellationToken cancellationToken) =>
        (await ReadAsync(actorType, cancellationToken)).Reminders;

    /// <summary>Applies <paramref name="change"/> to the type's reminders and saves, retrying on concurrent changes.</summary>
    public async Task<T> UpdateAsync<T>(string actorType, Func<List<ReminderRecord>, T> change, CancellationToken cancellationToken)
    {
        var writer = _writers.GetOrAdd(actorType, _ => new SemaphoreSlim(1, 1));
        await writer.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (reminders, etag) = await ReadAsync(actorType, cancellationToken);
                var list = reminders.ToList();
                var result = change(list);
                try
                {
                    await store.SetAsync(
                        new StateSetRequest(Key(actorType), JsonSerializer.SerializeToUtf8Bytes(list, Json), etag, etag is null ? StateConcurrency.FirstWrite : StateConcurrency.Unspecified, StateConsistency.Unspecified, NoMetadata),
                        cancellationToken);
                    return result;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && attempt < MaxAttempts)
                {
                    // Another sidecar changed the reminders of this type meanwhile: read again and re-apply.
                    int delayMs;
                    lock (random)
                    {
                        delayMs = random.Next(1, 5 + Math.Min(attempt, 20));
                    }

                    await Task.Delay(delayMs, cancellationToken);
                }
            }
        }
        finally
        {
            writer.Release();
        }
    }

    private async Task<(IReadOnlyList<ReminderRecord> Reminders, string? ETag)> ReadAsync(string actorType, CancellationToken cancellationToken)
    {
        var item = await store.GetAsync(Key(actorType), new StateGetOptions(StateConsistency.Unspecified, NoMetadata), cancellationToken);
        if (item is null)
        {
            return ([], null);
        }

        return (JsonSerializer.Deserialize<List<ReminderRecord>>(item.Data.Span, Json) ?? [], item.ETag);
    }

    private static string Key(string actorType) => "biodapr||reminders||" + actorType;
}
