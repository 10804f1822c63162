using System.Collections.Concurrent;

namespace BioDapr.Sidecar.Actors;

/// <summary>An actor active on this sidecar: its turn lock, when it was last used, and its timers.</summary>
internal sealed class ActorInstance(string type, string id, long activatedAt)
{
    public string Type { get; } = type;

    public string Id { get; } = id;

    public ActorTurnLock Lock { get; } = new();

    /// <summary>Timestamp (TimeProvider) of the last turn.</summary>
    public long LastUsed { get; set; } = activatedAt;

    /// <summary>Timers by name.</summary>
    public ConcurrentDictionary<string, ITimer> Timers { get; } = new(StringComparer.Ordinal);

    /// <summary>Set when deactivated: new turns must activate a fresh instance.</summary>
    public bool Deactivated { get; set; }

    public void StopTimers()
    {
        foreach (var name in Timers.Keys)
        {
            if (Timers.TryRemove(name, out var timer))
            {
                timer.Dispose();
            }
        }
    }
}
