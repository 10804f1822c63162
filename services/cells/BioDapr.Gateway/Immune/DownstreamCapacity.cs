namespace BioDapr.Gateway.Immune;

/// <summary>
/// How many client requests the gateway can have in flight to orders and still get them served: an AIMD estimate
/// (as in Netflix's concurrency-limits) that the fair shares divide. The configured capacity (the gateway's worker
/// slots, the pathway's limit) is only a ceiling: when orders sheds, times out or is unavailable, more requests in
/// flight only make every client's requests fail, whoever sent them. So each overloaded answer to a request admitted
/// since the last cut cuts the estimate by <see cref="Backoff"/> (one cut per generation of requests, so a burst of
/// failures from one overload is one signal), and each answer that was not (success, or the client's own 4xx) adds
/// 1 / estimate, about one request per estimate's worth of answers. Thread-safe.
/// </summary>
public sealed class DownstreamCapacity
{
    /// <summary>The multiplicative cut on an overloaded answer.</summary>
    public const double Backoff = 0.75;

    /// <summary>The estimate never goes below this (each client keeps at least one slot of a few).</summary>
    public const int Floor = 4;

    private readonly Lock _lock = new();
    private double _estimate;
    private long _generation;

    /// <summary>Starts at <paramref name="initial"/> requests in flight (at least <see cref="Floor"/>; the ceiling given to <see cref="Complete"/> bounds it from the first answer on).</summary>
    public DownstreamCapacity(int initial = 64) => _estimate = Math.Max(Floor, initial);

    /// <summary>The current estimate, in requests.</summary>
    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return (int)_estimate;
            }
        }
    }

    /// <summary>The generation a request admitted now belongs to; hand it back to <see cref="Complete"/>.</summary>
    public long Generation
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    /// <summary>
    /// Records how a request admitted in <paramref name="generation"/> ended: <paramref name="overloaded"/> when orders
    /// could not serve it (503, timeout), under the <paramref name="ceiling"/> the configuration allows now.
    /// </summary>
    public void Complete(long generation, bool overloaded, int ceiling)
    {
        ceiling = Math.Max(Floor, ceiling);
        lock (_lock)
        {
            if (overloaded)
            {
                // Only a request sent after the last cut says the cut was not enough.
                if (generation == _generation)
                {
                    _estimate = Math.Max(Floor, Math.Min(_estimate, ceiling) * Backoff);
                    _generation++;
                }
            }
            else
            {
                _estimate = Math.Min(ceiling, _estimate + (1.0 / _estimate));
            }
        }
    }
}
