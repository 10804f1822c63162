namespace BioDapr.Launcher;

/// <summary>
/// A run-queue wait total per process that only grows: each read adds what every thread waited since the last read
/// (a thread seen for the first time adds all of its wait; a thread that ended adds nothing more). Summing
/// <see cref="ProcessCpu.RunQueueWaitByThread"/> instead drops by a thread's whole wait when the thread ends, which made
/// a second's difference negative.
/// </summary>
public sealed class RunQueueWaitCounter
{
    private readonly Func<int, IReadOnlyDictionary<int, double>?> _read;
    private readonly Dictionary<int, (Dictionary<int, double> Threads, double Total)> _processes = [];
    private readonly Lock _gate = new();

    /// <summary>Reads /proc.</summary>
    public RunQueueWaitCounter()
        : this(ProcessCpu.RunQueueWaitByThread)
    {
    }

    /// <summary>Reads through <paramref name="read"/> (the wait per thread id of a process; null when it is gone).</summary>
    public RunQueueWaitCounter(Func<int, IReadOnlyDictionary<int, double>?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _read = read;
    }

    /// <summary>
    /// The milliseconds <paramref name="pid"/>'s threads have waited for a CPU since this counter first read it
    /// (including all of each thread's wait before that first read); the last total when the process is gone.
    /// </summary>
    public double Milliseconds(int pid)
    {
        var threads = _read(pid);
        lock (_gate)
        {
            _processes.TryGetValue(pid, out var known);
            known.Threads ??= [];
            if (threads is null)
            {
                return known.Total;
            }

            var total = known.Total;
            foreach (var (tid, waited) in threads)
            {
                total += Math.Max(0, waited - known.Threads.GetValueOrDefault(tid));
            }

            _processes[pid] = (new Dictionary<int, double>(threads), total);
            return total;
        }
    }
}
