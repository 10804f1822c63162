using BioDapr.Cell.Hosting;
using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;

namespace BioDapr.Cell.Pathways;

/// <summary>
/// What a pathway applies while its cell is young, when the cells and sidecars it calls may still be cold.
/// <list type="bullet">
/// <item>Slow start (as TCP's): the concurrency limit starts at <see cref="WarmupOptions.InitialLimit"/> calls and
/// grows by one for every call that succeeds (so it doubles every round trip that goes well), up to the hormone;
/// once it reaches the hormone (after the warm-up) the slow start is over for good. A call that fails does not grow it, and does not
/// shrink it either: cutting is the breaker's and the cortex's job, and a cold target's first slow answers are not
/// a reason to cut.</item>
/// <item>For <see cref="WarmupOptions.ColdStart"/> after the warm-up, attempt timeouts and the breaker's minimum
/// throughput start at <see cref="WarmupOptions.ColdTimeoutFactor"/> times the hormones and ease linearly to them,
/// so cold-start latency is not taken for failure.</item>
/// </list>
/// Before the cell is ready it is as cold as it gets (the warm-up's own calls grow the limit too). The slow start is
/// not bounded in time: a pathway that had no traffic yet starts slow whenever its first burst comes.
/// </summary>
public sealed class PathwayColdStart
{
    // Growth stops here: far above any limit a hormone can set, so the counter never overflows.
    private const int MaxLimit = 100_000;
    private readonly CellReadiness _readiness;
    private readonly WarmupOptions _options;
    private int _limit;
    private volatile bool _slowStartOver;
    private volatile bool _windowOver;

    /// <summary>The cold start of one pathway of a cell that becomes ready through <paramref name="readiness"/>.</summary>
    public PathwayColdStart(CellReadiness readiness, WarmupOptions options)
    {
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(options);
        _readiness = readiness;
        _options = options;
        _limit = Math.Clamp(options.InitialLimit, 1, MaxLimit);
        _windowOver = options.ColdStart <= TimeSpan.Zero;
        _slowStartOver = options.InitialLimit <= 0;
    }

    /// <summary>The slow start's limit now (int.MaxValue once the slow start is over).</summary>
    public int SlowStartLimit => _slowStartOver ? int.MaxValue : Volatile.Read(ref _limit);

    /// <summary>The hormones in force now.</summary>
    public PathwayHormones Adjust(PathwayHormones hormones)
    {
        ArgumentNullException.ThrowIfNull(hormones);
        var limit = SlowStartLimit;
        if (limit >= hormones.ConcurrencyLimit && !_slowStartOver && _readiness.IsReady)
        {
            // Grown to the hormone: from now on the hormone alone decides the limit.
            _slowStartOver = true;
        }

        if (!_windowOver && _readiness.SinceReady >= _options.ColdStart)
        {
            _windowOver = true;
        }

        if (_windowOver)
        {
            return limit >= hormones.ConcurrencyLimit ? hormones : hormones with { ConcurrencyLimit = limit };
        }

        // 1 right after the warm-up (and before it), 0 at the end of the window.
        var cold = 1 - Math.Clamp((_readiness.SinceReady ?? TimeSpan.Zero) / _options.ColdStart, 0, 1);
        var factor = 1 + ((_options.ColdTimeoutFactor - 1) * cold);
        return hormones with
        {
            TimeoutMs = (int)Math.Min(60_000, hormones.TimeoutMs * factor),
            BreakerMinThroughput = (int)Math.Min(100_000, hormones.BreakerMinThroughput * factor),
            ConcurrencyLimit = Math.Min(hormones.ConcurrencyLimit, limit),
        };
    }

    /// <summary>Records how a call ended: a success grows the slow start's limit by one.</summary>
    public void Observe(PathwayOutcome outcome)
    {
        if (!_slowStartOver && outcome == PathwayOutcome.Success && Volatile.Read(ref _limit) < MaxLimit)
        {
            Interlocked.Increment(ref _limit);
        }
    }
}
