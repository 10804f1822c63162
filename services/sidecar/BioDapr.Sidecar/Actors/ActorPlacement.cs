using System.IO.Hashing;
using System.Text;
using BioDapr.Sidecar.Invocation;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// Which live sidecar hosts an actor: rendezvous (highest random weight) hashing of (type, id) over the
/// app ids whose sidecars publish the type, so every sidecar reaches the same answer and only the
/// actors of a host that leaves move. The registry is re-read at most every 500 ms.
/// </summary>
internal sealed class ActorPlacement(FileNameResolver resolver, TimeProvider time)
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(500);
    private IReadOnlyList<NameResolutionEntry> _hosts = [];
    private long _refreshedAt = long.MinValue;

    /// <summary>Forces the next lookup to re-read the registry (after this sidecar changed its entry).</summary>
    public void Invalidate() => Volatile.Write(ref _refreshedAt, long.MinValue);

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

            var weight = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes($"{host.AppId}\n{actorType}\n{actorId}"));
            if (best is null || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(host.AppId, best.AppId) < 0))
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
