using System.Globalization;

namespace BioDapr.Launcher;

/// <summary>
/// The CPU time a process has used so far (user + system), read from <c>/proc/&lt;pid&gt;/stat</c>, and the time its
/// threads waited for a CPU, so a benchmark can say which process of the organism burns the cores in a given second and
/// which waits for them.
/// </summary>
public static class ProcessCpu
{
    // USER_HZ: the unit of /proc's utime and stime; 100 on every Linux the organism runs on (x86-64, arm64).
    private const double MillisecondsPerTick = 10;

    /// <summary>CPU milliseconds used by <paramref name="pid"/> so far; null when the process is gone or unreadable.</summary>
    public static double? Milliseconds(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Milliseconds each thread of <paramref name="pid"/> has been runnable but waiting for a CPU so far, by thread id
    /// (the second field of each <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat</c>, in ns); null when the process is gone
    /// or unreadable. Threads that ended are not listed: summing this over time goes down when one ends, so use a
    /// <see cref="RunQueueWaitCounter"/> for a total that only grows.
    /// </summary>
    public static IReadOnlyDictionary<int, double>? RunQueueWaitByThread(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var threads = new Dictionary<int, double>(tasks.Length);
        foreach (var task in tasks)
        {
            try
            {
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                if (fields.Length > 1
                    && int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)
                    && double.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds))
                {
                    threads[tid] = nanoseconds / 1e6;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A thread that ended meanwhile.
            }
        }

        return threads;
    }

    /// <summary>
    /// The CPU milliseconds of a <c>/proc/&lt;pid&gt;/stat</c> line: "pid (comm) state ppid …" with utime and stime the
    /// 14th and 15th fields. The command name may hold spaces and parentheses, so the fields are counted after the last ')'.
    /// Null when the line does not have them.
    /// </summary>
    public static double? Parse(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        var end = stat.LastIndexOf(')');
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // After the comm: state (3), ppid (4), … utime (14), stime (15): indices 11 and 12 here.
        return end < 0 || fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            ? null
            : (user + system) * MillisecondsPerTick;
    }
}
