using System.IO.Hashing;
using System.Text;
using BioDapr.Sidecar.Invocation;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Which live sidecar hosts an actor: rendezvous (highest random weight) hashing of (type, id) over the
/// sidecars (app id and instance: each replica of an app is a host of its own, as daprd's placement
/// table holds one member per daprd) that publish the type, so every sidecar reaches the same answer
/// and only the actors of a host that leaves move. The registry is re-read at most every 500 ms, so
/// while replicas come and go two sidecars may briefly disagree (daprd locks its placement table during
/// dissemination instead; here an actor may briefly run on two replicas during that window).
/// </summary>
internal sealed class ActorPlacement(FileNameResolver resolver, TimeProvider time)
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(500);
    private IReadOnlyList<NameResolutionEntry> _hosts = [];
    private long _refreshedAt = long.MinValue;

    /// <summary>Forces the next lookup to re-read the registry (after this sidecar changed its entry).</summary>
    public void Invalidate() => Volatile.Write(ref _refreshedAt, long.MinValue);

    /// <summary>Whether <paramref name="host"/> is this sidecar (its app id and its instance: another replica of the same app is not).</summary>
    public bool IsHere(NameResolutionEntry? host) =>
        host is not null && resolver.Own is { } own && host.AppId == own.AppId && host.InstanceId == own.InstanceId;

    /// <summary>The host of the actor, or null when no live sidecar hosts the type.</summary>
    public NameResolutionEntry? Resolve(string actorType, string actorId)
    {
        NameResolutionEntry? best = null;
        ulong bestWeight = 0;
        foreach (var host in Hosts())
        {
            if (!host.ActorTypes.Contains(actorType))
            {
                continue;
            }

            var weight = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{host.AppId}@{host.InstanceId}\n{actorType}\n{actorId}"));
            if (best is null || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(host.AppId + "@" + host.InstanceId, best.AppId + "@" + best.InstanceId) < 0))
            {
                best = host;
                bestWeight = weight;
            }
        }

        return best;
    }

    private IReadOnlyList<NameResolutionEntry> Hosts()
    {
        var now = time.GetTimestamp();
        var refreshed = Volatile.Read(ref _refreshedAt);
        if (refreshed == long.MinValue || time.GetElapsedTime(refreshed, now) > RefreshEvery)
        {
            Volatile.Write(ref _hosts, resolver.ListLive());
            Volatile.Write(ref _refreshedAt, now);
        }

        return Volatile.Read(ref _hosts);
    }
}
