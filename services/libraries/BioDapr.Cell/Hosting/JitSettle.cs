namespace BioDapr.Cell.Hosting;

/// <summary>
/// Waits, after the warm-up's rounds, until the JIT has caught up with them. A method called 30 times is queued for its
/// optimised (tier-1) compilation, which a background thread does later: when the warm-up's last round ends, hundreds
/// of the hot paths it ran are still queued, and on a small machine the first real requests would share the CPU with
/// that compilation while running the unoptimised code. So readiness waits until an interval passes in which the JIT
/// compiled at most a few methods (the queue is drained), or until the wait's bound.
/// </summary>
public static class JitSettle
{
    /// <summary>How often the compiled-method count is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Reads <paramref name="compiledMethods"/> every <see cref="Interval"/> until it grew by at most
    /// <paramref name="quietMethods"/> in one interval, or <paramref name="maxWait"/> has passed (then Quiet is false).
    /// Returns how long it waited and how many methods were compiled meanwhile.
    /// </summary>
    public static async Task<(TimeSpan Waited, long Compiled, bool Quiet)> WaitAsync(
        Func<long> compiledMethods, int quietMethods, TimeSpan maxWait, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compiledMethods);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var first = compiledMethods();
        var last = first;
        while (time.GetElapsedTime(started) < maxWait)
        {
            var remaining = maxWait - time.GetElapsedTime(started);
            await Task.Delay(remaining < Interval ? remaining : Interval, time, cancellationToken);
            var now = compiledMethods();
            if (now - last <= quietMethods)
            {
                return (time.GetElapsedTime(started), now - first, true);
            }

            last = now;
        }

        return (time.GetElapsedTime(started), last - first, false);
    }
}
