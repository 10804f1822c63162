using System.Globalization;
using System.Runtime.InteropServices;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>Signals a process and every process it started (the runner must never leave orphans).</summary>
internal static partial class ProcessTree
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>Sends SIGTERM to the process and its descendants.</summary>
    public static void Terminate(int pid) => Signal(pid, SigTerm);

    /// <summary>Sends SIGKILL to the process and its descendants.</summary>
    public static void Kill(int pid) => Signal(pid, SigKill);

    /// <summary>True while the process exists.</summary>
    public static bool IsAlive(int pid) => OperatingSystem.IsLinux() ? Directory.Exists($"/proc/{pid}") && !IsZombie(pid) : KillSystem(pid, 0) == 0;

    private static void Signal(int pid, int signal)
    {
        // Children first would let the parent respawn them; signal the whole tree at once.
        foreach (var member in Descendants(pid).Prepend(pid))
        {
            _ = KillSystem(member, signal);
        }
    }

    private static List<int> Descendants(int root)
    {
        var result = new List<int>();
        if (!OperatingSystem.IsLinux())
        {
            return result;
        }

        var parents = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ParentOf(pid) is { } parent)
            {
                if (!parents.TryGetValue(parent, out var children))
                {
                    parents[parent] = children = [];
                }

                children.Add(pid);
            }
        }

        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var child in parents.GetValueOrDefault(current) ?? [])
            {
                result.Add(child);
                pending.Enqueue(child);
            }
        }

        return result;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..." — comm may contain spaces, so split after ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillSystem(int pid, int signal);
}
