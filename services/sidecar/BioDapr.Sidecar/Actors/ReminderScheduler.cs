using System.Collections.Concurrent;
using System.Text.Json;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Actor reminders (what daprd's scheduler service does for them): registered, read, listed and removed in
/// the <see cref="ReminderStore"/>, kept in memory for the sidecar that hosts each actor, and fired as turns
/// of the actor (<c>remind/{name}</c>). Reminders of other sidecars (and of a restarted one) are reloaded
/// every second.
/// </summary>
internal sealed partial class ReminderScheduler(
    ActorAppConfig config,
    ReminderStore? store,
    ActorInvoker invoker,
    ActorPlacement placement,
    TimeProvider time,
    ILogger logger)
{
    private const string ReminderCancelHeader = "X-DaprReminderCancel";
    private static readonly TimeSpan SchedulerTick = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ReminderReload = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, ReminderRecord> _reminders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _firing = new(StringComparer.Ordinal);

    // When each reminder was last changed here (a sequence number): a reload that began before a
    // local change read a copy that change made stale, and must not put it back.
    private readonly ConcurrentDictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private long _changes;

    /// <summary>Reads the reminders of the hosted types once (before the scheduler starts).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (store is not null)
        {
            await ReloadRemindersAsync(cancellationToken);
        }
    }

    /// <summary>Registers (or replaces) a reminder.</summary>
    public async Task CreateAsync(string type, string id, string name, JsonElement body, CancellationToken cancellationToken)
    {
        var reminders = Store(type);
        var now = time.GetUtcNow();
        ReminderRecord record;
        bool overwrite;
        try
        {
            (record, overwrite) = ParseReminder(type, id, name, body, now);
        }
        catch (FormatException ex)
        {
            throw new DaprApiException(DaprErrors.ActorReminderCreate(ex.Message));
        }

        var created = await reminders.UpdateAsync(type, list =>
        {
            var existing = list.FindIndex(r => r.ActorId == id && r.Name == name);
            if (existing >= 0 && !overwrite)
            {
                return false;
            }

            if (existing >= 0)
            {
                list.RemoveAt(existing);
            }

            list.Add(record);
            return true;
        }, cancellationToken);
        if (!created)
        {
            throw new DaprApiException(DaprErrors.ActorReminderExists(name));
        }

        _reminders[record.Key] = record;
        MarkChanged(record.Key);
    }

    /// <summary>Reads a reminder; null when there is none of that name.</summary>
    public async Task<ReminderRecord?> GetAsync(string type, string id, string name, CancellationToken cancellationToken)
    {
        var reminders = Store(type);
        return (await reminders.LoadAsync(type, cancellationToken)).FirstOrDefault(r => r.ActorId == id && r.Name == name);
    }

    /// <summary>The reminders of an actor type, or of one actor of it when <paramref name="id"/> is given, by name.</summary>
    public async Task<IReadOnlyList<ReminderRecord>> ListAsync(string type, string? id, CancellationToken cancellationToken)
    {
        var reminders = Store(type);
        return (await reminders.LoadAsync(type, cancellationToken))
            .Where(r => id is null || r.ActorId == id)
            .OrderBy(r => r.ActorId, StringComparer.Ordinal)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Removes a reminder (removing a missing one is not an error).</summary>
    public async Task DeleteAsync(string type, string id, string name, CancellationToken cancellationToken)
    {
        var reminders = Store(type);
        await reminders.UpdateAsync(type, list => list.RemoveAll(r => r.ActorId == id && r.Name == name), cancellationToken);
        var key = $"{type}||{id}||{name}";
        _reminders.TryRemove(key, out _);
        MarkChanged(key);
    }

    /// <summary>Removes every reminder of an actor type, or of one actor of it when <paramref name="id"/> is given.</summary>
    public async Task DeleteAllAsync(string type, string? id, CancellationToken cancellationToken)
    {
        var reminders = Store(type);
        var removed = await reminders.UpdateAsync(type, list =>
        {
            var gone = list.Where(r => id is null || r.ActorId == id).Select(r => r.Key).ToList();
            list.RemoveAll(r => id is null || r.ActorId == id);
            return gone;
        }, cancellationToken);
        foreach (var key in removed)
        {
            _reminders.TryRemove(key, out _);
            MarkChanged(key);
        }
    }

    /// <summary>Fires due reminders until <paramref name="cancellationToken"/> stops it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastReload = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SchedulerTick, time, cancellationToken);
                if (store is null)
                {
                    continue;
                }

                if (time.GetElapsedTime(lastReload) > ReminderReload)
                {
                    // Other sidecars (and restarts) change reminders too.
                    await ReloadRemindersAsync(cancellationToken);
                    lastReload = time.GetTimestamp();
                }

                var now = time.GetUtcNow();
                foreach (var reminder in _reminders.Values.Where(r => r.NextFire <= now))
                {
                    if (!placement.IsHere(placement.Resolve(reminder.ActorType, reminder.ActorId)) || !_firing.TryAdd(reminder.Key, 0))
                    {
                        continue;
                    }

                    // The values were read before the claim: a firing that ended meanwhile may have
                    // deleted or rescheduled this reminder. Fire only what is still due as read.
                    if (!_reminders.TryGetValue(reminder.Key, out var current) || current != reminder)
                    {
                        _firing.TryRemove(reminder.Key, out _);
                        continue;
                    }

                    _ = FireAsync(reminder, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SchedulerFailed(logger, ex.Message);
            }
        }
    }

    // Hosted types only, as daprd: reminders are an operation of the host of the type.
    private ReminderStore Store(string type)
    {
        if (!config.Types.ContainsKey(type))
        {
            throw new DaprApiException(DaprErrors.ActorReminderNotHosted());
        }

        return store ?? throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());
    }

    private void MarkChanged(string key) => _changedAt[key] = Interlocked.Increment(ref _changes);

    // Whether the reminder changed here after a reload that began at <paramref name="loadStarted"/>.
    private bool ChangedSince(string key, long loadStarted) => _changedAt.TryGetValue(key, out var at) && at > loadStarted;

    private static (ReminderRecord Record, bool Overwrite) ParseReminder(string type, string id, string name, JsonElement body, DateTimeOffset now)
    {
        string Text(string field) =>
            body.ValueKind == JsonValueKind.Object && body.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } p
                ? p.Value.GetString()!
                : string.Empty;

        var dueTime = Text("dueTime");
        var period = Text("period");
        var ttl = Text("ttl");
        var first = dueTime.Length == 0 ? now : DaprTime.ParseTime(dueTime, now);
        TimeSpan? interval = null;
        var firings = 1;
        if (period.Length > 0)
        {
            var parsed = DaprTime.ParseDuration(period);
            if (parsed.HasCalendarParts)
            {
                // Scheduler-backed reminders (Dapr 1.15+) reject Y, M and D.
                throw new FormatException($"unsupported period format: {period}");
            }

            if (parsed.Repetitions == 0)
            {
                throw new FormatException($"repetitions must be greater than 0: {period}");
            }

            interval = parsed.Time;
            firings = parsed.HasRepetitions ? parsed.Repetitions : -1;
            if (interval <= TimeSpan.Zero)
            {
                throw new FormatException($"period must be positive: {period}");
            }
        }

        DateTimeOffset? expires = null;
        if (ttl.Length > 0)
        {
            expires = DaprTime.ParseTime(ttl, first);
            if (expires <= now)
            {
                throw new FormatException($"ttl {ttl} has already expired");
            }
        }

        JsonElement? data = body.ValueKind == JsonValueKind.Object && body.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "data", StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: not JsonValueKind.Undefined } d
            ? d.Value.Clone()
            : null;
        var overwrite = !(body.ValueKind == JsonValueKind.Object && body.TryGetProperty("overwrite", out var o) && o.ValueKind == JsonValueKind.False);
        return (new ReminderRecord
        {
            ActorType = type,
            ActorId = id,
            Name = name,
            Data = data,
            DueTime = dueTime,
            Period = period,
            Ttl = ttl,
            NextFire = first,
            Interval = interval,
            RemainingFirings = firings,
            ExpiresAt = expires,
        }, overwrite);
    }

    private async Task ReloadRemindersAsync(CancellationToken cancellationToken)
    {
        var loadStarted = Interlocked.Read(ref _changes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in config.Types.Keys)
        {
            foreach (var reminder in await store!.LoadAsync(type, cancellationToken))
            {
                seen.Add(reminder.Key);

                // A reminder being fired is saved by its firing, and one changed here while we read
                // (fired and deleted, say) is newer here than the copy we read.
                if (!_firing.ContainsKey(reminder.Key) && !ChangedSince(reminder.Key, loadStarted))
                {
                    _reminders[reminder.Key] = reminder;
                }
            }
        }

        foreach (var key in _reminders.Keys.Where(k => !seen.Contains(k) && !_firing.ContainsKey(k) && !ChangedSince(k, loadStarted)))
        {
            _reminders.TryRemove(key, out _);
        }

        // Changes older than this load are in what it read: forget them.
        foreach (var (key, at) in _changedAt)
        {
            if (at <= loadStarted)
            {
                _changedAt.TryRemove(new KeyValuePair<string, long>(key, at));
            }
        }
    }

    // Owned by the scheduler loop: every failure is caught and logged here.
    private async Task FireAsync(ReminderRecord reminder, CancellationToken cancellationToken)
    {
        try
        {
            var now = time.GetUtcNow();
            if (reminder.ExpiresAt is { } expires && expires <= now)
            {
                await DeleteAsync(reminder.ActorType, reminder.ActorId, reminder.Name, cancellationToken);
                return;
            }

            // Scheduler-backed reminders deliver only the data: dueTime and period arrive empty.
            var body = new Dictionary<string, object?> { ["dueTime"] = string.Empty, ["period"] = string.Empty };
            if (reminder.Data is { } data)
            {
                body["data"] = data;
            }

            using var request = new HttpRequestMessage { Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body)) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            var cancel = false;
            try
            {
                var result = await invoker.InvokeLocalAsync(reminder.ActorType, reminder.ActorId, "method/remind/" + Uri.EscapeDataString(reminder.Name), request, null, cancellationToken);
                cancel = result.Headers.Any(h => string.Equals(h.Key, ReminderCancelHeader, StringComparison.OrdinalIgnoreCase) && h.Value.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)));
            }
            catch (DaprApiException ex)
            {
                Log.ReminderFailed(logger, reminder.Key, ex.Message);
                _reminders[reminder.Key] = reminder with { NextFire = now + TimeSpan.FromSeconds(1) };
                return;
            }

            var remaining = reminder.RemainingFirings < 0 ? -1 : reminder.RemainingFirings - 1;
            var next = reminder.Interval is { } interval ? reminder.NextFire + interval : (DateTimeOffset?)null;
            if (cancel || next is null || remaining == 0 || (reminder.ExpiresAt is { } end && next > end))
            {
                await DeleteAsync(reminder.ActorType, reminder.ActorId, reminder.Name, cancellationToken);
                return;
            }

            // Keep the cadence, but never schedule into the past after a long pause.
            var scheduled = next.Value < now ? now + reminder.Interval!.Value : next.Value;
            var updated = reminder with { NextFire = scheduled, RemainingFirings = remaining };
            _reminders[reminder.Key] = updated;
            await store!.UpdateAsync(reminder.ActorType, list =>
            {
                var index = list.FindIndex(r => r.ActorId == reminder.ActorId && r.Name == reminder.Name);
                if (index >= 0)
                {
                    list[index] = updated;
                }

                return true;
            }, cancellationToken);
            MarkChanged(reminder.Key);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReminderFailed(logger, reminder.Key, ex.Message);
        }
        finally
        {
            _firing.TryRemove(reminder.Key, out _);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Reminder {Reminder} failed: {Reason}")]
        public static partial void ReminderFailed(ILogger logger, string reminder, string reason);

        [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Actor scheduler error: {Reason}")]
        public static partial void SchedulerFailed(ILogger logger, string reason);
    }
}
