namespace BioDapr.Cell.Hosting;

/// <summary>
/// Whether the cell is warmed up and ready for traffic: its health endpoint answers 503 until then, so the sidecar
/// (with app health checks), the runner and a platform's readiness probe send nothing to a cold cell. Also says how
/// long ago it became ready, which the pathways use to tell cold-start latency from failure.
/// </summary>
public sealed class CellReadiness(TimeProvider time)
{
    private long _readyAt = -1;

    /// <summary>True once the warm-up finished.</summary>
    public bool IsReady => Interlocked.Read(ref _readyAt) >= 0;

    /// <summary>Time since the cell became ready; null before.</summary>
    public TimeSpan? SinceReady => Interlocked.Read(ref _readyAt) is >= 0 and var at ? time.GetElapsedTime(at) : null;

    /// <summary>Declares the cell ready (once).</summary>
    public void SetReady() => Interlocked.CompareExchange(ref _readyAt, time.GetTimestamp(), -1);
}
