using System.Text.Json;

namespace BioDapr.Sidecar.Invocation;

/// <summary>
/// Name resolution for the sidecars of one machine. daprd in standalone mode uses mDNS; the
/// development sidecar uses a directory with one small JSON file per running sidecar
/// (<c>&lt;dir&gt;/&lt;app-id&gt;.json</c>). The directory is <c>BIODAPR_NAME_RESOLUTION_DIR</c>, else
/// <c>$TMPDIR/biodapr/nameresolution</c>, so every sidecar started by one user finds the others.
/// When the run has a secret, entries are signed with it and unsigned or foreign entries are ignored,
/// so nothing but a sidecar of the run can pose as one of its apps.
/// </summary>
internal sealed class FileNameResolver
{
    public const string DirectoryVariable = "BIODAPR_NAME_RESOLUTION_DIR";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly Security.PeerAuthenticator? _authenticator;

    public FileNameResolver(string directory, Security.PeerAuthenticator? authenticator = null)
    {
        Directory = directory;
        _authenticator = authenticator;
    }

    /// <summary>The registry directory.</summary>
    public string Directory { get; }

    /// <summary>The directory configured by the environment (or the default).</summary>
    public static string DefaultDirectory(Func<string, string?> getEnvironmentVariable) =>
        getEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "biodapr", "nameresolution");

    /// <summary>Publishes (or replaces) this sidecar's entry. Written atomically (temp file + rename).</summary>
    public async Task RegisterAsync(NameResolutionEntry entry, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathFor(entry.AppId);
        var temp = path + "." + Environment.ProcessId + ".tmp";
        entry = entry with { Signature = _authenticator?.SignEntry(entry) };
        await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(entry, JsonOptions), cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes this sidecar's entry if it is still ours.</summary>
    public void Unregister(string appId)
    {
        var path = PathFor(appId);
        try
        {
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

    /// <summary>Finds a live sidecar for <paramref name="appId"/>.</summary>
    public bool TryResolve(string appId, out NameResolutionEntry entry)
    {
        if (appId.Length == 0 || appId.AsSpan().ContainsAny(Path.GetInvalidFileNameChars()) || appId.Contains("..", StringComparison.Ordinal))
        {
            entry = null!;
            return false;
        }

        return TryRead(PathFor(appId), out entry) && IsGenuine(entry) && IsAlive(entry.ProcessId);
    }

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
            if (TryRead(file, out var entry) && IsGenuine(entry) && IsAlive(entry.ProcessId))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private string PathFor(string appId) => Path.Combine(Directory, appId + ".json");

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

            entry = parsed with { ActorTypes = parsed.ActorTypes ?? [] };
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
}
