using System.Text.Json;
using BioDapr.Sidecar.Components.State;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Reminders persisted in the actor state store: one JSON document per actor type (key
/// <c>biodapr||reminders||&lt;type&gt;</c>), changed with optimistic concurrency (ETags) so several
/// sidecars can update it safely.
/// </summary>
internal sealed class ReminderStore(IStateStore store)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    /// <summary>The reminders of <paramref name="actorType"/>.</summary>
    public async Task<IReadOnlyList<ReminderRecord>> LoadAsync(string actorType, CancellationToken cancellationToken) =>
        (await ReadAsync(actorType, cancellationToken)).Reminders;

    /// <summary>Applies <paramref name="change"/> to the type's reminders and saves, retrying on concurrent changes.</summary>
    public async Task<T> UpdateAsync<T>(string actorType, Func<List<ReminderRecord>, T> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
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
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 50)
            {
                // Someone else changed the reminders of this type meanwhile: read again and re-apply.
            }
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
