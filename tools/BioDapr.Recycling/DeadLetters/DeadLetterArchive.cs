using System.Globalization;
using System.Text.Json;
using BioDapr.Redis;

namespace BioDapr.Recycling.DeadLetters;

/// <summary>
/// The dead letters of the organism on Redis: the stream of the dead-letter topic (<c>deadletters</c>), which the
/// sidecars fill with the whole entry of every event a subscription could not handle (daprd's layout: fields
/// <c>data</c>, the CloudEvent, and <c>metadata</c>). Lists them, replays one to its original topic exactly once (the
/// copy and the removal are one atomic script, so two operators replaying at once publish it once), and trims what
/// is older than the retention.
/// </summary>
public sealed partial class DeadLetterArchive(RedisConnection redis, TimeProvider time, string stream = BioDapr.Contracts.Topics.DeadLetters)
{
    // Atomic on the Redis server: the entry is copied to the original topic's stream only if it is still among the
    // dead letters, and removed in the same step. Nil when it is not there (already replayed, trimmed, unknown).
    private const string ReplayScript = """
        local entries = redis.call("XRANGE", KEYS[1], ARGV[1], ARGV[1])
        if #entries == 0 then return false end
        local id = redis.call("XADD", KEYS[2], "*", unpack(entries[1][2]))
        redis.call("XDEL", KEYS[1], ARGV[1])
        return id
        """;

    /// <summary>The stream (topic) holding the dead letters.</summary>
    public string Stream => stream;

    /// <summary>The oldest <paramref name="max"/> dead letters, oldest first.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var reply = await redis.ExecuteAsync("XRANGE", [stream, "-", "+", "COUNT", max], cancellationToken);
        return [.. reply.Items.Select(Parse)];
    }

    /// <summary>How many dead letters there are.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken) =>
        (await redis.ExecuteAsync("XLEN", [stream], cancellationToken)).AsInt64();

    /// <summary>
    /// Publishes the dead letter <paramref name="entryId"/> again, unchanged (same CloudEvent id), to its original
    /// topic, or to <paramref name="topic"/> when given, and removes it from the dead letters: exactly once.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="entryId"/> is not a stream entry id, or <paramref name="topic"/> is blank.</exception>
    public async Task<ReplayOutcome> ReplayAsync(string entryId, string? topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entryId);
        if (!EntryId().IsMatch(entryId))
        {
            throw new ArgumentException($"'{entryId}' is not a dead letter id (a stream entry id such as 1733491200000-0; see 'deadletters list')", nameof(entryId));
        }

        if (topic is not null && string.IsNullOrWhiteSpace(topic))
        {
            throw new ArgumentException("the topic to replay to is empty", nameof(topic));
        }

        var found = await redis.ExecuteAsync("XRANGE", [stream, entryId, entryId], cancellationToken);
        if (found.Items.Count == 0)
        {
            return ReplayOutcome.NotFound;
        }

        var target = topic ?? Parse(found.Items[0]).OriginalTopic;
        if (target is null)
        {
            return ReplayOutcome.NoTopic;
        }

        var replayed = await redis.ExecuteAsync("EVAL", [ReplayScript, 2, stream, target, entryId], cancellationToken);
        return replayed.IsNull ? ReplayOutcome.NotFound : ReplayOutcome.Replayed;
    }

    /// <summary>Removes the dead letters older than <paramref name="retention"/>; returns how many.</summary>
    public async Task<long> TrimAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var minId = BioDapr.Contracts.DeadLetterRetention.MinId(time.GetUtcNow(), retention);
        var removed = await redis.ExecuteAsync("XTRIM", [stream, "MINID", minId], cancellationToken);
        return removed.AsInt64();
    }

    private static DeadLetter Parse(RedisReply entry)
    {
        var id = entry.Items[0].AsString()!;
        var fields = entry.Items[1].Items;
        byte[] data = [];
        for (var i = 0; i + 1 < fields.Count; i += 2)
        {
            if (fields[i].AsString() == "data")
            {
                data = fields[i + 1].AsBytes() ?? [];
            }
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture));
        string? topic = null, eventId = null, type = null, source = null;
        try
        {
            using var json = JsonDocument.Parse(data);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                topic = Text(json.RootElement, "topic");
                eventId = Text(json.RootElement, "id");
                type = Text(json.RootElement, "type");
                source = Text(json.RootElement, "source");
            }
        }
        catch (JsonException)
        {
            // A raw payload (rawPayload subscriptions): no CloudEvent attributes to show.
        }

        return new DeadLetter(id, at, topic, eventId, type, source, data);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]{1,20}-[0-9]{1,20}$")]
    private static partial System.Text.RegularExpressions.Regex EntryId();
}
