using System.Text.Json;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Actor timers: in memory, on the activation of the actor (they stop when it deactivates), each firing a
/// turn of the actor (<c>timer/{name}</c>) with the registered callback and data.
/// </summary>
internal sealed partial class ActorTimers(
    ActorAppConfig config,
    ActorActivations activations,
    ActorInvoker invoker,
    TimeProvider time,
    ILogger logger,
    CancellationToken stopping)
{
    private const string ReminderCancelHeader = "X-DaprReminderCancel";

    /// <summary>Starts (or replaces) a timer on an actor hosted here; timers die with the activation.</summary>
    public void Create(string type, string id, string name, JsonElement body)
    {
        if (!config.Types.ContainsKey(type))
        {
            throw new DaprApiException(DaprErrors.ActorTimerCreate($"actor type {type} not registered"));
        }

        string Text(string field) => body.ValueKind == JsonValueKind.Object && body.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
        var now = time.GetUtcNow();
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
            throw new DaprApiException(DaprErrors.ActorTimerCreate(ex.Message));
        }

        var callbackBody = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["callback"] = Text("callback"),
            ["data"] = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("data", out var data) ? data.Clone() : null,
            ["dueTime"] = Text("dueTime"),
            ["period"] = Text("period"),
        });
        var instance = activations.GetOrActivate(type, id);
        var remaining = firings;
        ITimer? timer = null;
        timer = time.CreateTimer(
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

                _ = FireAsync(instance, name, callbackBody, period is null || remaining == 0);
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
    public void Delete(string type, string id, string name)
    {
        if (activations.TryGetActive(type, id, out var instance) && instance.Timers.TryRemove(name, out var timer))
        {
            timer.Dispose();
        }
    }

    // Owned by the timer: every failure is caught and logged here.
    private async Task FireAsync(ActorInstance instance, string name, byte[] body, bool last)
    {
        try
        {
            using var request = new HttpRequestMessage { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            var result = await invoker.InvokeLocalAsync(instance.Type, instance.Id, "method/timer/" + Uri.EscapeDataString(name), request, null, stopping);
            if (last || result.Headers.Any(h => string.Equals(h.Key, ReminderCancelHeader, StringComparison.OrdinalIgnoreCase)))
            {
                Delete(instance.Type, instance.Id, name);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.TimerFailed(logger, instance.Type, instance.Id, name, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Timer {Type}/{Id}/{Name} failed: {Reason}")]
        public static partial void TimerFailed(ILogger logger, string type, string id, string name, string reason);
    }
}
