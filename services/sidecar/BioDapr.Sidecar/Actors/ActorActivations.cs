using System.Collections.Concurrent;
using BioDapr.Sidecar.AppChannel;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// The actors active on this sidecar (daprd's actor table): activation on first use, and deactivation when
/// an actor stayed idle past its type's <c>actorIdleTimeout</c> or was placed on another host.
/// </summary>
internal sealed partial class ActorActivations(
    ActorAppConfig config,
    IActorCallbackChannel channel,
    ActorPlacement placement,
    TimeProvider time,
    ILogger logger)
{
    private readonly ConcurrentDictionary<(string Type, string Id), ActorInstance> _active = new();

    /// <summary>Active actors by hosted type (for the metadata APIs).</summary>
    public IReadOnlyList<(string Type, int Count)> Counts =>
        config.Types.Keys.Select(type => (type, _active.Keys.Count(k => k.Type == type))).ToList();

    /// <summary>The active instance of an actor, activated now when it is not.</summary>
    public ActorInstance GetOrActivate(string type, string id) =>
        _active.GetOrAdd((type, id), key => new ActorInstance(key.Type, key.Id, time.GetTimestamp()));

    /// <summary>The active instance of an actor; false when it is not active here.</summary>
    public bool TryGetActive(string type, string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ActorInstance? instance) =>
        _active.TryGetValue((type, id), out instance) && !instance.Deactivated;

    /// <summary>Deactivates idle and moved actors until <paramref name="cancellationToken"/> stops it.</summary>
    public async Task DeactivateIdleAsync(CancellationToken cancellationToken)
    {
        var scan = TimeSpan.FromMilliseconds(Math.Clamp(config.Types.Values.Min(t => t.IdleTimeout.TotalMilliseconds) / 4, 50, 10_000));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(scan, time, cancellationToken);
                foreach (var ((type, id), instance) in _active)
                {
                    var idle = time.GetElapsedTime(instance.LastUsed) > config.Types[type].IdleTimeout;
                    var moved = !placement.IsHere(placement.Resolve(type, id));
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
                Log.ScanFailed(logger, ex.Message);
            }
        }
    }

    /// <summary>Stops the timers of every active actor (the sidecar is stopping).</summary>
    public void StopAllTimers()
    {
        foreach (var instance in _active.Values)
        {
            instance.StopTimers();
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
            var status = await channel.DeactivateAsync(instance.Type, instance.Id, cancellationToken);
            if (status != 200)
            {
                Log.DeactivationFailed(logger, instance.Type, instance.Id, status);
            }
        }
        catch (HttpRequestException ex)
        {
            Log.DeactivationFailed(logger, instance.Type, instance.Id, (int)(ex.StatusCode ?? 0));
        }
        catch (Wire.DaprApiException ex)
        {
            Log.DeactivationRefused(logger, instance.Type, instance.Id, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Deactivating actor {Type}/{Id}: the app answered {Status}")]
        public static partial void DeactivationFailed(ILogger logger, string type, string id, int status);

        [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Deactivating actor {Type}/{Id} failed: {Reason}")]
        public static partial void DeactivationRefused(ILogger logger, string type, string id, string reason);

        [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Actor scheduler error: {Reason}")]
        public static partial void ScanFailed(ILogger logger, string reason);
    }
}
