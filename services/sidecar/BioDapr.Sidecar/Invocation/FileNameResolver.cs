using System.Collections.Concurrent;
using System.Text.Json;

namespace BioDapr.Sidecar.Invocation;

/// <summary>
/// Name resolution for the sidecars of one machine. daprd in standalone mode uses mDNS; the
/// development sidecar uses a directory with one small JSON file per running sidecar
/// (<c>&lt;dir&gt;/&lt;app-id&gt;@&lt;instance&gt;.json</c>). The directory is <c>BIODAPR_NAME_RESOLUTION_DIR</c>, else
/// <c>$TMPDIR/biodapr/nameresolution</c>, so every sidecar started by one user finds the others.
/// When the run has a secret, entries are signed with it and unsigned or foreign entries are ignored,
/// so nothing but a sidecar of the run can pose as one of its apps.
/// </summary>
/// <remarks>
/// Several sidecars may serve one app id (replicas). As daprd's mDNS resolver
/// (components-contrib <c>nameresolution/mdns/mdns.go</c>, <c>addressList.next</c>) each resolution
/// takes the next instance round robin; instances whose process is gone are skipped at once, and
/// instances whose app is not ready are skipped while a ready one exists (as a platform routes only to
/// ready pods). The directory listing of an app is cached until the directory changes (at most
/// <see cref="MaxCacheAge"/>), so a resolution costs one stat, not a read of every entry.
/// </remarks>
internal sealed class FileNameResolver
{
    public const string DirectoryVariable = "BIODAPR_NAME_RESOLUTION_DIR";

    /// <summary>How long a cached listing may be used even when the directory seems unchanged (timestamps are coarse).</summary>
    public static readonly TimeSpan MaxCacheAge = TimeSpan.FromMilliseconds(250);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly Security.PeerAuthenticator? _authenticator;
    private readonly ConcurrentDictionary<string, Listing> _listings = new(StringComparer.Ordinal);
    private readonly Lock _ownGate = new();
    private NameResolutionEntry? _own;
    private bool _leaving;

    public FileNameResolver(string directory, Security.PeerAuthenticator? authenticator = null)
    {
        Directory = directory;
        _authenticator = authenticator;
    }

    /// <summary>The registry directory.</summary>
    public string Directory { get; }

    /// <summary>This sidecar's entry as last published (null before <see cref="RegisterAsync"/> or after leaving).</summary>
    public NameResolutionEntry? Own => Volatile.Read(ref _own);

    /// <summary>The directory configured by the environment (or the default).</summary>
    public static string DefaultDirectory(Func<string, string?> getEnvironmentVariable) =>
        getEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "biodapr", "nameresolution");

    /// <summary>Publishes (or replaces) this sidecar's entry. Written atomically (temp file + rename).</summary>
    public Task RegisterAsync(NameResolutionEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_ownGate)
        {
            if (!_leaving)
            {
                Write(entry);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Changes this sidecar's published entry (readiness, actor types); nothing once it left rotation.</summary>
    public Task UpdateOwnAsync(Func<NameResolutionEntry, NameResolutionEntry> change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_ownGate)
        {
            if (!_leaving && _own is { } own)
            {
                Write(change(own));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Removes this sidecar's entry if it is still ours; later updates are ignored (the sidecar is leaving).</summary>
    public void Unregister(string appId)
    {
        lock (_ownGate)
        {
            UnregisterLocked(appId);
        }
    }

    private void UnregisterLocked(string appId)
    {
        try
        {
            _leaving = true;
            var own = _own;
            Volatile.Write(ref _own, null);
            var path = PathFor(appId, own?.InstanceId ?? InstanceOf(Environment.ProcessId, string.Empty));
            if (TryRead(path, out var entry) && entry.ProcessId == Environment.ProcessId)
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Another sidecar replaced the entry meanwhile; leave it.
        }
    }

    /// <summary>Finds a live sidecar for <paramref name="appId"/>: the next of its ready instances, round robin.</summary>
    public bool TryResolve(string appId, out NameResolutionEntry entry)
    {
        entry = null!;
        if (!IsValidAppId(appId))
        {
            return false;
        }

        var listing = ListingOf(appId);
        var entries = listing.Entries;
        if (entries.Length == 0)
        {
            return false;
        }

        // Round robin over the ready instances; with none ready, over the live ones (the callee answers why).
        var start = (uint)Interlocked.Increment(ref listing.Counter) - 1;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < entries.Length; i++)
            {
                var candidate = entries[(int)((start + (uint)i) % (uint)entries.Length)];
                if ((pass == 1 || candidate.AppReady) && IsAlive(candidate.ProcessId))
                {
                    entry = candidate;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Every live instance of <paramref name="appId"/>, ready or not, ordered by instance.</summary>
    public IReadOnlyList<NameResolutionEntry> Instances(string appId) =>
        IsValidAppId(appId) ? [.. ListingOf(appId).Entries.Where(e => IsAlive(e.ProcessId))] : [];

    /// <summary>Every live sidecar.</summary>
    public IReadOnlyList<NameResolutionEntry> ListLive()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var entries = new List<NameResolutionEntry>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            if (TryRead(file, out var entry) && IsGenuine(entry) && IsAlive(entry.ProcessId) && Path.GetFileName(file) == FileName(entry.AppId, entry.InstanceId))
            {
                entries.Add(entry);
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.AppId + "@" + a.InstanceId, b.AppId + "@" + b.InstanceId));
        return entries;
    }

    /// <summary>The instance name of a sidecar: the runner's replica index, else its process id.</summary>
    public static string InstanceOf(int processId, string? replica) =>
        replica is { Length: > 0 } ? replica : processId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Small files written under the lock, so updates of this sidecar's entry never interleave.
    private void Write(NameResolutionEntry entry)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (entry.InstanceId.Length == 0)
        {
            entry = entry with { InstanceId = InstanceOf(entry.ProcessId, null) };
        }

        var path = PathFor(entry.AppId, entry.InstanceId);
        var temp = path + "." + Environment.ProcessId + ".tmp";
        entry = entry with { Signature = _authenticator?.SignEntry(entry) };
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(entry, JsonOptions));
        File.Move(temp, path, overwrite: true);
        Volatile.Write(ref _own, entry);
        _listings.TryRemove(entry.AppId, out _);
    }

    private Listing ListingOf(string appId)
    {
        var stamp = System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetLastWriteTimeUtc(Directory) : DateTime.MinValue;
        var now = Environment.TickCount64;
        if (_listings.TryGetValue(appId, out var cached) && cached.DirectoryStamp == stamp && now - cached.ReadAt < MaxCacheAge.TotalMilliseconds)
        {
            return cached;
        }

        var entries = new List<NameResolutionEntry>();
        if (stamp != DateTime.MinValue)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(Directory, appId + "@*.json"))
            {
                if (TryRead(file, out var entry) && entry.AppId == appId && IsGenuine(entry) && Path.GetFileName(file) == FileName(appId, entry.InstanceId))
                {
                    entries.Add(entry);
                }
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.InstanceId, b.InstanceId));
        var listing = new Listing([.. entries], stamp, now);
        if (cached is not null)
        {
            // Keep the rotation going across refreshes.
            listing.Counter = Volatile.Read(ref cached.Counter);
        }

        _listings[appId] = listing;
        return listing;
    }

    private static bool IsValidAppId(string appId) =>
        appId.Length > 0
        && !appId.AsSpan().ContainsAny(Path.GetInvalidFileNameChars())
        && !appId.Contains("..", StringComparison.Ordinal)
        && appId.AsSpan().IndexOfAny('*', '?', '@') < 0;

    private static string FileName(string appId, string instanceId) => appId + "@" + instanceId + ".json";

    private string PathFor(string appId, string instanceId) => Path.Combine(Directory, FileName(appId, instanceId));

    private bool IsGenuine(NameResolutionEntry entry) => _authenticator is null || _authenticator.IsGenuine(entry);

    private static bool TryRead(string path, out NameResolutionEntry entry)
    {
        entry = null!;
        try
        {
            var parsed = JsonSerializer.Deserialize<NameResolutionEntry>(File.ReadAllBytes(path), JsonOptions);
            if (parsed is null)
            {
                return false;
            }

            entry = parsed with { ActorTypes = parsed.ActorTypes ?? [], InstanceId = parsed.InstanceId ?? string.Empty };
            return true;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsAlive(int processId)
    {
        if (processId == Environment.ProcessId)
        {
            return true;
        }

        if (OperatingSystem.IsLinux())
        {
            return System.IO.Directory.Exists($"/proc/{processId}");
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The instances of one app id as last read, and its rotation counter.</summary>
    private sealed class Listing(NameResolutionEntry[] entries, DateTime directoryStamp, long readAt)
    {
        public int Counter;

        public NameResolutionEntry[] Entries { get; } = entries;

        public DateTime DirectoryStamp { get; } = directoryStamp;

        public long ReadAt { get; } = readAt;
    }
}
