using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using BioDapr.Client.Protocol;
using BioDapr.Sidecar.Api;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// The actor runtime of one sidecar: placement, turn-based concurrency, the app's actor callbacks,
/// actor state, persisted reminders, timers and idle deactivation (see README.md).
/// </summary>
internal sealed partial class ActorRuntime : IAsyncDisposable
{
    public const string ReentrancyHeader = "Dapr-Reentrancy-Id";
    private const string ErrorResponseHeader = "X-DaprErrorResponseHeader";
    private const string ReminderCancelHeader = "X-DaprReminderCancel";
    private static readonly TimeSpan SchedulerTick = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ReminderReload = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions PeerJson = new(JsonSerializerDefaults.Web);

    private readonly SidecarRuntime _sidecar;
    private readonly AppChannelClient _channel;
    private readonly ActorAppConfig _config;
    private readonly ILogger _logger;
    private readonly ActorPlacement _placement;
    private readonly HttpClient _peers = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<(string Type, string Id), ActorInstance> _active = new();
    private readonly ConcurrentDictionary<string, ReminderRecord> _reminders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _firing = new(StringComparer.Ordinal);

    // When each reminder was last changed here (a sequence number): a reload that began before a
    // local change read a copy that change made stale, and must not put it back.
    private readonly ConcurrentDictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private long _changes;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ReminderStore? _reminderStore;

    public ActorRuntime(SidecarRuntime sidecar, AppChannelClient channel, ActorAppConfig config, ILogger logger)
    {
        _sidecar = sidecar;
        _channel = channel;
        _config = config;
        _logger = logger;
        _placement = new ActorPlacement(sidecar.NameResolver, sidecar.Time);
        if (sidecar.Components.ActorStateStore is { } store)
        {
            _reminderStore = new ReminderStore(store.Component, sidecar.Random);
        }
    }

    /// <summary>The actor types this sidecar's app hosts.</summary>
    public IReadOnlyCollection<string> HostedTypes => _config.Types.Keys.ToList();

    /// <summary>Active actors by type (for <c>/v1.0/metadata</c>).</summary>
    public IReadOnlyList<(string Type, int Count)> Counts =>
        _config.Types.Keys.Select(type => (type, _active.Keys.Count(k => k.Type == type))).ToList();

    /// <summary>Starts the reminder scheduler and the idle scanner.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var warning in _config.Warnings)
        {
            Log.ConfigWarning(_logger, warning);
        }

        _placement.Invalidate();
        if (_config.Types.Count == 0)
        {
            return;
        }

        if (_reminderStore is not null)
        {
            await ReloadRemindersAsync(cancellationToken);
        }

        _loops.Add(Task.Run(() => ScheduleRemindersAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => DeactivateIdleAsync(_stop.Token), CancellationToken.None));
        var hosted = string.Join(", ", _config.Types.Keys);
        Log.Hosting(_logger, hosted);
    }

    // ----- method calls ---------------------------------------------------------------------

    /// <summary>Invokes a method on an actor wherever it is placed.</summary>
    public async Task<ActorCallResult> InvokeAsync(string type, string id, string method, HttpRequestMessage template, string? reentrancyId, CancellationToken cancellationToken)
    {
        var host = _placement.Resolve(type, id)
            ?? throw new ActorException(DaprErrors.ActorNoAddress($"{type}||{id}"));
        if (host.AppId == _sidecar.Settings.AppId)
        {
            return await InvokeLocalAsync(type, id, "method/" + EscapePath(method) + template.RequestUri?.Query, template, reentrancyId, cancellationToken);
        }

        // Another sidecar hosts it: forward to its internal port, which runs the turn there.
        template.RequestUri = new Uri($"http://127.0.0.1:{host.InternalPort}/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}/method/{EscapePath(method)}{template.RequestUri?.Query}");
        if (reentrancyId is not null)
        {
            template.Headers.Remove(ReentrancyHeader);
            template.Headers.TryAddWithoutValidation(ReentrancyHeader, reentrancyId);
        }

        _sidecar.Peers.Sign(template, host.AppId);
        using var response = await _peers.SendAsync(template, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.Headers.TryGetValues(Invocation.InternalChannel.ErrorHeader, out var refusal))
        {
            // The other sidecar refused this one (not a sidecar of its run): daprd would fail the mTLS handshake.
            throw new ActorException(DaprErrors.ActorInvoke($"the sidecar of {host.AppId} refused the call ({refusal.First()}): {Encoding.UTF8.GetString(body)}"));
        }

        if (response.Headers.TryGetValues("X-BioDapr-Actor-Error", out _))
        {
            var payload = JsonSerializer.Deserialize<DaprErrorPayload>(body, PeerJson)
                ?? throw new ActorException(DaprErrors.ActorInvoke($"the sidecar of {host.AppId} answered {(int)response.StatusCode} without an error body"));
            throw new ActorException(payload.ToError((int)response.StatusCode));
        }

        return new ActorCallResult((int)response.StatusCode, Headers(response), body);
    }

    /// <summary>
    /// Serves a peer sidecar's forwarded call (<c>/actors/{type}/{id}/method/{m}</c> on the internal
    /// port): runs the turn here and answers with the app's response, or with the daprd error marked by
    /// <c>X-BioDapr-Actor-Error</c>.
    /// </summary>
    public async Task HandleInternalAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 5 || segments[0] != "actors" || segments[3] != "method")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var method = string.Join('/', segments[4..].Select(Uri.EscapeDataString));
        try
        {
            byte[] body;
            try
            {
                body = await ApiHttp.ReadBodyAsync(context.Request, _sidecar.Settings.MaxBodySize, context.RequestAborted);
            }
            catch (RequestBodyTooLargeException)
            {
                throw new ActorException(DaprErrors.ActorInvoke($"the request body is larger than the {_sidecar.Settings.MaxBodySize} bytes the sidecar of {_sidecar.Settings.AppId} accepts (--max-body-size)"));
            }

            using var request = ActorCallHttp.RequestFrom(context.Request, body);
            var result = await InvokeLocalAsync(segments[1], segments[2], "method/" + method + context.Request.QueryString.Value, request, context.Request.Headers[ReentrancyHeader].FirstOrDefault(), context.RequestAborted);
            await ActorCallHttp.WriteAsync(context.Response, result, context.RequestAborted);
        }
        catch (ActorException ex)
        {
            context.Response.StatusCode = ex.Error.StatusCode;
            context.Response.Headers["X-BioDapr-Actor-Error"] = "true";
            await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new DaprErrorPayload(ex.Error.ErrorCode, ex.Error.Message), PeerJson), context.RequestAborted);
        }
    }

    /// <summary>Runs a turn on an actor hosted here (method, <c>remind/x</c> or <c>timer/x</c>).</summary>
    public async Task<ActorCallResult> InvokeLocalAsync(string type, string id, string path, HttpRequestMessage request, string? reentrancyId, CancellationToken cancellationToken)
    {
        if (!_config.Types.TryGetValue(type, out var settings))
        {
            throw new ActorException(DaprErrors.ActorInvoke($"actor type {type} is not hosted by app {_sidecar.Settings.AppId}"));
        }

        if (settings.Reentrancy)
        {
            reentrancyId ??= Guid.NewGuid().ToString();
        }
        else
        {
            reentrancyId = null;
        }

        while (true)
        {
            var instance = _active.GetOrAdd((type, id), key => new ActorInstance(key.Type, key.Id, _sidecar.Time.GetTimestamp()));
            IDisposable turn;
            try
            {
                turn = await instance.Lock.EnterAsync(reentrancyId, settings.MaxStackDepth, cancellationToken);
            }
            catch (ActorStackDepthException)
            {
                throw new ActorException(DaprErrors.ActorStackDepth());
            }

            using (turn)
            {
                if (instance.Deactivated)
                {
                    // Deactivated while we waited for the turn: activate a fresh one.
                    continue;
                }

                instance.LastUsed = _sidecar.Time.GetTimestamp();
                request.Method = HttpMethod.Put;
                request.RequestUri = new Uri($"/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}/{path}", UriKind.Relative);
                request.Headers.Remove(ReentrancyHeader);
                if (reentrancyId is not null)
                {
                    request.Headers.TryAddWithoutValidation(ReentrancyHeader, reentrancyId);
                }

                AppResponse answer;
                try
                {
                    answer = await _channel.SendAsync(request, cancellationToken);
                }
                catch (HttpRequestException ex)
                {
                    throw new ActorException(DaprErrors.ActorInvoke(ex.Message));
                }
                finally
                {
                    instance.LastUsed = _sidecar.Time.GetTimestamp();
                }

                return Interpret(answer);
            }
        }
    }

    // daprd: exactly 200 is success; X-DaprErrorResponseHeader passes the app's answer back as an actor error.
    private static ActorCallResult Interpret(AppResponse answer)
    {
        if (answer.StatusCode == 200 || answer.Headers.Any(h => string.Equals(h.Key, ErrorResponseHeader, StringComparison.OrdinalIgnoreCase)))
        {
            return new ActorCallResult(answer.StatusCode, answer.Headers, answer.Body);
        }

        var detail = answer.StatusCode == 404
            ? $"actor method not found: {Encoding.UTF8.GetString(answer.Body)}"
            : $"error from actor service: ({answer.StatusCode}) {Encoding.UTF8.GetString(answer.Body)}";
        throw new ActorException(DaprErrors.ActorInvoke(detail));
    }

    // ----- state -----------------------------------------------------------------------------

    /// <summary>Reads one key of an actor's state.</summary>
    public async Task<StateItem?> GetStateAsync(string type, string id, string key, CancellationToken cancellationToken)
    {
        var store = ActorStore();
        try
        {
            return await store.Component.GetAsync(StateKey(type, id, key), new StateGetOptions(StateConsistency.Unspecified, new Dictionary<string, string>()), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ActorException(DaprErrors.ActorStateGet(ex.Message));
        }
    }

    /// <summary>Applies an actor's state changes in one transaction; the actor must be active on this sidecar.</summary>
    public async Task TransactionAsync(string type, string id, IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        var store = ActorStore();
        if (!_active.TryGetValue((type, id), out var instance) || instance.Deactivated)
        {
            throw new ActorException(DaprErrors.ActorInstanceMissing());
        }

        try
        {
            await store.Component.ExecuteTransactionAsync(operations, new Dictionary<string, string>(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ActorException(DaprErrors.ActorStateTransaction(ex.Message));
        }
    }

    /// <summary>The stored key of an actor's state key (daprd's layout).</summary>
    public string StateKey(string type, string id, string key) => $"{_sidecar.Settings.AppId}||{type}||{id}||{key}";

    // ----- reminders -------------------------------------------------------------------------

    /// <summary>Registers (or replaces) a reminder.</summary>
    public async Task CreateReminderAsync(string type, string id, string name, JsonElement body, CancellationToken cancellationToken)
    {
        RequireHosted(type);
        var store = _reminderStore ?? throw new ActorException(DaprErrors.ActorRuntimeNotFound());
        var now = _sidecar.Time.GetUtcNow();
        ReminderRecord record;
        bool overwrite;
        try
        {
            (record, overwrite) = ParseReminder(type, id, name, body, now);
        }
        catch (FormatException ex)
        {
            throw new ActorException(DaprErrors.ActorReminderCreate(ex.Message));
        }

        var created = await store.UpdateAsync(type, list =>
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
            throw new ActorException(DaprErrors.ActorReminderExists(name));
        }

        _reminders[record.Key] = record;
        MarkChanged(record.Key);
    }

    /// <summary>Reads a reminder (daprd's shape: period as <c>@every</c>).</summary>
    public async Task<ReminderRecord?> GetReminderAsync(string type, string id, string name, CancellationToken cancellationToken)
    {
        RequireHosted(type);
        var store = _reminderStore ?? throw new ActorException(DaprErrors.ActorRuntimeNotFound());
        return (await store.LoadAsync(type, cancellationToken)).FirstOrDefault(r => r.ActorId == id && r.Name == name);
    }

    /// <summary>Removes a reminder (removing a missing one is not an error).</summary>
    public async Task DeleteReminderAsync(string type, string id, string name, CancellationToken cancellationToken)
    {
        RequireHosted(type);
        var store = _reminderStore ?? throw new ActorException(DaprErrors.ActorRuntimeNotFound());
        await store.UpdateAsync(type, list => list.RemoveAll(r => r.ActorId == id && r.Name == name), cancellationToken);
        var key = $"{type}||{id}||{name}";
        _reminders.TryRemove(key, out _);
        MarkChanged(key);
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
        foreach (var type in _config.Types.Keys)
        {
            foreach (var reminder in await _reminderStore!.LoadAsync(type, cancellationToken))
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

    private async Task ScheduleRemindersAsync(CancellationToken cancellationToken)
    {
        var lastReload = _sidecar.Time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SchedulerTick, _sidecar.Time, cancellationToken);
                if (_reminderStore is null)
                {
                    continue;
                }

                if (_sidecar.Time.GetElapsedTime(lastReload) > ReminderReload)
                {
                    // Other sidecars (and restarts) change reminders too.
                    await ReloadRemindersAsync(cancellationToken);
                    lastReload = _sidecar.Time.GetTimestamp();
                }

                var now = _sidecar.Time.GetUtcNow();
                foreach (var reminder in _reminders.Values.Where(r => r.NextFire <= now))
                {
                    if (_placement.Resolve(reminder.ActorType, reminder.ActorId)?.AppId != _sidecar.Settings.AppId || !_firing.TryAdd(reminder.Key, 0))
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
                Log.SchedulerFailed(_logger, ex.Message);
            }
        }
    }

    // Owned by the scheduler loop: every failure is caught and logged here.
    private async Task FireAsync(ReminderRecord reminder, CancellationToken cancellationToken)
    {
        try
        {
            var now = _sidecar.Time.GetUtcNow();
            if (reminder.ExpiresAt is { } expires && expires <= now)
            {
                await DeleteReminderAsync(reminder.ActorType, reminder.ActorId, reminder.Name, cancellationToken);
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
                var result = await InvokeLocalAsync(reminder.ActorType, reminder.ActorId, "method/remind/" + Uri.EscapeDataString(reminder.Name), request, null, cancellationToken);
                cancel = result.Headers.Any(h => string.Equals(h.Key, ReminderCancelHeader, StringComparison.OrdinalIgnoreCase) && h.Value.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)));
            }
            catch (ActorException ex)
            {
                Log.ReminderFailed(_logger, reminder.Key, ex.Message);
                _reminders[reminder.Key] = reminder with { NextFire = now + TimeSpan.FromSeconds(1) };
                return;
            }

            var remaining = reminder.RemainingFirings < 0 ? -1 : reminder.RemainingFirings - 1;
            var next = reminder.Interval is { } interval ? reminder.NextFire + interval : (DateTimeOffset?)null;
            if (cancel || next is null || remaining == 0 || (reminder.ExpiresAt is { } end && next > end))
            {
                await DeleteReminderAsync(reminder.ActorType, reminder.ActorId, reminder.Name, cancellationToken);
                return;
            }

            // Keep the cadence, but never schedule into the past after a long pause.
            var scheduled = next.Value < now ? now + reminder.Interval!.Value : next.Value;
            var updated = reminder with { NextFire = scheduled, RemainingFirings = remaining };
            _reminders[reminder.Key] = updated;
            await _reminderStore!.UpdateAsync(reminder.ActorType, list =>
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
            Log.ReminderFailed(_logger, reminder.Key, ex.Message);
        }
        finally
        {
            _firing.TryRemove(reminder.Key, out _);
        }
    }

    // ----- timers ----------------------------------------------------------------------------

    /// <summary>Starts (or replaces) a timer on an actor hosted here; timers die with the activation.</summary>
    public void CreateTimer(string type, string id, string name, JsonElement body)
    {
        if (!_config.Types.ContainsKey(type))
        {
            throw new ActorException(DaprErrors.ActorTimerCreate($"actor type {type} not registered"));
        }

        string Text(string field) => body.ValueKind == JsonValueKind.Object && body.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
        var now = _sidecar.Time.GetUtcNow();
        TimeSpan due;
        TimeSpan? period = null;
        var firings = -1;
        try
        {
            due = Text("dueTime") is { Length: > 0 } dueText ? DaprTime.ParseTime(dueText, now) - now : TimeSpan.Zero;
            if (Text("period") is { Length: > 0 } periodText)
            {
                var parsed = DaprTime.ParseDuration(periodText);
                period = parsed.TryGetFixedLength(out var fixedLength) ? fixedLength : parsed.Time;
                firings = parsed.HasRepetitions ? parsed.Repetitions : -1;
            }
        }
        catch (FormatException ex)
        {
            throw new ActorException(DaprErrors.ActorTimerCreate(ex.Message));
        }

        var callbackBody = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["callback"] = Text("callback"),
            ["data"] = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("data", out var data) ? data.Clone() : null,
            ["dueTime"] = Text("dueTime"),
            ["period"] = Text("period"),
        });
        var instance = _active.GetOrAdd((type, id), key => new ActorInstance(key.Type, key.Id, _sidecar.Time.GetTimestamp()));
        var remaining = firings;
        ITimer? timer = null;
        timer = _sidecar.Time.CreateTimer(
            _ =>
            {
                if (remaining == 0 || instance.Deactivated)
                {
                    return;
                }

                if (remaining > 0)
                {
                    remaining--;
                }

                _ = FireTimerAsync(instance, name, callbackBody, timer!, period is null || remaining == 0);
            },
            null,
            due < TimeSpan.Zero ? TimeSpan.Zero : due,
            period ?? Timeout.InfiniteTimeSpan);
        if (instance.Timers.TryGetValue(name, out var previous))
        {
            previous.Dispose();
        }

        instance.Timers[name] = timer;
    }

    /// <summary>Stops a timer.</summary>
    public void DeleteTimer(string type, string id, string name)
    {
        if (_active.TryGetValue((type, id), out var instance) && instance.Timers.TryRemove(name, out var timer))
        {
            timer.Dispose();
        }
    }

    private async Task FireTimerAsync(ActorInstance instance, string name, byte[] body, ITimer timer, bool last)
    {
        try
        {
            using var request = new HttpRequestMessage { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            var result = await InvokeLocalAsync(instance.Type, instance.Id, "method/timer/" + Uri.EscapeDataString(name), request, null, _stop.Token);
            if (last || result.Headers.Any(h => string.Equals(h.Key, ReminderCancelHeader, StringComparison.OrdinalIgnoreCase)))
            {
                DeleteTimer(instance.Type, instance.Id, name);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            Log.TimerFailed(_logger, instance.Type, instance.Id, name, ex.Message);
        }
    }

    // ----- deactivation ----------------------------------------------------------------------

    private async Task DeactivateIdleAsync(CancellationToken cancellationToken)
    {
        var scan = TimeSpan.FromMilliseconds(Math.Clamp(_config.Types.Values.Min(t => t.IdleTimeout.TotalMilliseconds) / 4, 50, 10_000));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(scan, _sidecar.Time, cancellationToken);
                foreach (var ((type, id), instance) in _active)
                {
                    var idle = _sidecar.Time.GetElapsedTime(instance.LastUsed) > _config.Types[type].IdleTimeout;
                    var moved = _placement.Resolve(type, id)?.AppId != _sidecar.Settings.AppId;
                    // Timer firings are turns, so a timer faster than the idle timeout keeps the actor active.
                    if ((idle && instance.Lock.IsIdle) || moved)
                    {
                        await DeactivateAsync(instance, cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SchedulerFailed(_logger, ex.Message);
            }
        }
    }

    private async Task DeactivateAsync(ActorInstance instance, CancellationToken cancellationToken)
    {
        using var turn = await instance.Lock.EnterAsync(null, 1, cancellationToken);
        instance.Deactivated = true;
        instance.StopTimers();
        _active.TryRemove(new KeyValuePair<(string, string), ActorInstance>((instance.Type, instance.Id), instance));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/actors/{Uri.EscapeDataString(instance.Type)}/{Uri.EscapeDataString(instance.Id)}");
            var answer = await _channel.SendAsync(request, cancellationToken);
            if (answer.StatusCode != 200)
            {
                Log.DeactivationFailed(_logger, instance.Type, instance.Id, answer.StatusCode);
            }
        }
        catch (HttpRequestException ex)
        {
            Log.DeactivationFailed(_logger, instance.Type, instance.Id, (int)(ex.StatusCode ?? 0));
        }
    }

    // ----- helpers ---------------------------------------------------------------------------

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private void RequireHosted(string type)
    {
        if (!_config.Types.ContainsKey(type))
        {
            throw new ActorException(DaprErrors.ActorReminderNotHosted());
        }
    }

    private StateStoreEntry ActorStore() =>
        _sidecar.Components.ActorStateStore ?? throw new ActorException(DaprErrors.ActorRuntimeNotFound());

    private static List<KeyValuePair<string, string[]>> Headers(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Where(h => !AppChannelClient.HopByHopHeaders.Contains(h.Key))
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.ToArray()))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var instance in _active.Values)
        {
            instance.StopTimers();
        }

        await Task.WhenAll(_loops).ContinueWith(_ => { }, TaskScheduler.Default);
        _peers.Dispose();
        _stop.Dispose();
    }

    /// <summary>An actor error as it travels between sidecars.</summary>
    internal sealed record DaprErrorPayload(string ErrorCode, string Message)
    {
        public DaprError ToError(int status) => new(status, ErrorCode, Message);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Hosting actor types: {Types}")]
        public static partial void Hosting(ILogger logger, string types);

        [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void ConfigWarning(ILogger logger, string warning);

        [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Reminder {Reminder} failed: {Reason}")]
        public static partial void ReminderFailed(ILogger logger, string reminder, string reason);

        [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Timer {Type}/{Id}/{Name} failed: {Reason}")]
        public static partial void TimerFailed(ILogger logger, string type, string id, string name, string reason);

        [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Deactivating actor {Type}/{Id}: the app answered {Status}")]
        public static partial void DeactivationFailed(ILogger logger, string type, string id, int status);

        [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Actor scheduler error: {Reason}")]
        public static partial void SchedulerFailed(ILogger logger, string reason);
    }
}
