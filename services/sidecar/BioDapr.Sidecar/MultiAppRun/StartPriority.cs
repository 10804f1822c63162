using System.Globalization;
using System.Runtime.InteropServices;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// The CPU priority of a replica while it starts (Linux): every thread of its processes under <c>SCHED_IDLE</c>, then,
/// once it is ready, back to the normal policy at the runner's own nice value. Linux schedules threads, not processes,
/// and a thread inherits its policy from the thread that creates it, so the threads a .NET process starts before the
/// first call are caught by calling <see cref="Lower"/> again while the replica starts (the runner does on each
/// readiness poll). Elsewhere it does nothing and says so (<see cref="IsSupported"/>).
/// </summary>
/// <remarks>
/// Why: on one machine a starting replica (JIT of an app and a sidecar, the warm-up) takes CPU from the replicas that
/// serve, which a platform's new pod on its own CPU does not; under <c>SCHED_IDLE</c> it only gets what they leave.
/// </remarks>
internal static partial class StartPriority
{
    private const int SchedOther = 0;
    private const int SchedIdle = 5;
    private const int PrioProcess = 0;

    /// <summary>Whether the scheduling calls exist here (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The runner's own nice value (what a ready replica gets back).</summary>
    public static int OwnNice()
    {
        return IsSupported ? NiceOf("/proc/self/stat") ?? throw new InvalidOperationException("the runner's nice value could not be read from /proc/self/stat") : 0;
    }

    /// <summary>Every thread of <paramref name="processId"/> to <c>SCHED_IDLE</c>; the number changed (0 when the process is gone).</summary>
    public static int Lower(int processId) => ForEachThread(processId, thread => SetPolicy(thread, SchedIdle));

    /// <summary>Every thread of <paramref name="processId"/> back to the normal policy at <paramref name="nice"/>.</summary>
    public static int Restore(int processId, int nice) =>
        ForEachThread(processId, thread => SetPolicy(thread, SchedOther) && SetPriority(PrioProcess, thread, nice) == 0);

    /// <summary>The scheduling policy of each thread of <paramref name="processId"/> (0 normal, 5 idle), and its nice value.</summary>
    public static IReadOnlyList<(int Thread, int Policy, int Nice)> Threads(int processId)
    {
        var threads = new List<(int, int, int)>();
        foreach (var thread in ThreadIds(processId))
        {
            var policy = GetScheduler(thread);
            var nice = NiceOf($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/task/{thread.ToString(CultureInfo.InvariantCulture)}/stat");
            if (policy >= 0 && nice is { } value)
            {
                threads.Add((thread, policy, value));
            }
        }

        return threads;
    }

    private static int ForEachThread(int processId, Func<int, bool> change)
    {
        if (!IsSupported)
        {
            return 0;
        }

        var changed = 0;
        foreach (var thread in ThreadIds(processId))
        {
            // A thread that ended meanwhile fails with ESRCH: nothing to change.
            if (change(thread))
            {
                changed++;
            }
        }

        return changed;
    }

    private static IEnumerable<int> ThreadIds(int processId)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/task");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return tasks.Select(t => int.TryParse(Path.GetFileName(t), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0);
    }

    // The nice value of a stat file: the 19th field, after the command name in parentheses (which may hold spaces).
    private static int? NiceOf(string statPath)
    {
        try
        {
            var stat = File.ReadAllText(statPath);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[16], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool SetPolicy(int thread, int policy)
    {
        var parameter = new SchedParam { Priority = 0 };
        return SetScheduler(thread, policy, ref parameter) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, ref SchedParam parameter);

    [LibraryImport("libc", EntryPoint = "sched_getscheduler", SetLastError = true)]
    private static partial int GetScheduler(int pid);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
