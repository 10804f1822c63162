using BioDapr.Pathways.Policies;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Pathways.Vitals;

/// <summary>
/// Counts the calls of one pathway or endpoint into the current window. Recording is lock-free
/// (Interlocked counters and a <see cref="LatencyHistogram"/>); <see cref="Close"/> swaps in a fresh
/// window and returns the finished one. A recording racing with the swap may land in either window.
/// </summary>
public sealed class VitalsRecorder
{
    private readonly string _cell;
    private readonly string _name;
    private readonly VitalsKind _kind;
    private Window _current;
    private int _inFlight;

    /// <summary>Creates a recorder whose first window starts at <paramref name="start"/>.</summary>
    public VitalsRecorder(string cell, string name, VitalsKind kind, DateTimeOffset start, double sloMs)
    {
        _cell = cell;
        _name = name;
        _kind = kind;
        SloMs = sloMs;
        _current = new Window(start);
    }

    /// <summary>The latency SLO for goodput, in milliseconds.</summary>
    public double SloMs { get; set; }

    /// <summary>The pathway (target) or endpoint name.</summary>
    public string Name => _name;

    /// <summary>Pathway or endpoint.</summary>
    public VitalsKind Kind => _kind;

    /// <summary>Calls in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A call started.</summary>
    public void CallStarted()
    {
        var window = Volatile.Read(ref _current);
        Interlocked.Increment(ref window.Calls);
        var inFlight = Interlocked.Increment(ref _inFlight);
        int max;
        while (inFlight > (max = Volatile.Read(ref window.MaxInFlight)) && Interlocked.CompareExchange(ref window.MaxInFlight, inFlight, max) != max)
        {
        }
    }

    /// <summary>A call ended with <paramref name="outcome"/> after <paramref name="latency"/>.</summary>
    public void CallEnded(PathwayOutcome outcome, TimeSpan latency)
    {
        Interlocked.Decrement(ref _inFlight);
        var window = Volatile.Read(ref _current);
        switch (outcome)
        {
            case PathwayOutcome.Success or PathwayOutcome.ClientError:
                Interlocked.Increment(ref window.Successes);
                if (outcome == PathwayOutcome.ClientError)
                {
                    Interlocked.Increment(ref window.ClientErrors);
                }

                if (latency.TotalMilliseconds <= SloMs)
                {
                    Interlocked.Increment(ref window.SuccessesWithinSlo);
                }

                break;
            case PathwayOutcome.ServerError:
                Interlocked.Increment(ref window.ServerErrors);
                break;
            case PathwayOutcome.Timeout:
                Interlocked.Increment(ref window.Timeouts);
                break;
            case PathwayOutcome.TransportError:
                Interlocked.Increment(ref window.TransportErrors);
                break;
            case PathwayOutcome.BreakerOpen:
                Interlocked.Increment(ref window.BreakerOpen);
                break;
            case PathwayOutcome.Shed:
                Interlocked.Increment(ref window.Shed);
                break;
            case PathwayOutcome.Canceled:
                Interlocked.Increment(ref window.Canceled);
                break;
        }

        if (outcome is not (PathwayOutcome.Shed or PathwayOutcome.BreakerOpen))
        {
            window.Latency.Record(latency);
        }
    }

    /// <summary>An attempt was made (retries and hedges included).</summary>
    public void AttemptStarted(bool isRetry, bool isHedge)
    {
        var window = Volatile.Read(ref _current);
        Interlocked.Increment(ref window.Attempts);
        if (isRetry)
        {
            Interlocked.Increment(ref window.Retries);
        }

        if (isHedge)
        {
            Interlocked.Increment(ref window.Hedges);
        }
    }

    /// <summary>A call waited <paramref name="wait"/> for a concurrency slot.</summary>
    public void QueueWait(TimeSpan wait) => Volatile.Read(ref _current).QueueWait.Record(wait);

    /// <summary>Closes the current window at <paramref name="end"/> and starts the next.</summary>
    public VitalsWindow Close(DateTimeOffset end, int limit, int queued)
    {
        var finished = Interlocked.Exchange(ref _current, new Window(end));
        return new VitalsWindow
        {
            Cell = _cell,
            Name = _name,
            Kind = _kind,
            Start = finished.Start,
            End = end,
            Calls = Interlocked.Read(ref finished.Calls),
            Successes = Interlocked.Read(ref finished.Successes),
            SuccessesWithinSlo = Interlocked.Read(ref finished.SuccessesWithinSlo),
            ClientErrors = Interlocked.Read(ref finished.ClientErrors),
            ServerErrors = Interlocked.Read(ref finished.ServerErrors),
            Timeouts = Interlocked.Read(ref finished.Timeouts),
            TransportErrors = Interlocked.Read(ref finished.TransportErrors),
            BreakerOpen = Interlocked.Read(ref finished.BreakerOpen),
            Shed = Interlocked.Read(ref finished.Shed),
            Canceled = Interlocked.Read(ref finished.Canceled),
            Attempts = Interlocked.Read(ref finished.Attempts),
            Retries = Interlocked.Read(ref finished.Retries),
            Hedges = Interlocked.Read(ref finished.Hedges),
            LatencyP50Ms = finished.Latency.PercentileMs(0.50),
            LatencyP95Ms = finished.Latency.PercentileMs(0.95),
            LatencyP99Ms = finished.Latency.PercentileMs(0.99),
            LatencyMeanMs = finished.Latency.MeanMs,
            LatencyMaxMs = finished.Latency.MaxMs,
            QueueWaitP95Ms = finished.QueueWait.PercentileMs(0.95),
            InFlight = InFlight,
            MaxInFlight = Math.Max(Volatile.Read(ref finished.MaxInFlight), InFlight),
            Queued = queued,
            Limit = limit,
            SloMs = SloMs,
        };
    }

    private sealed class Window(DateTimeOffset start)
    {
        public readonly DateTimeOffset Start = start;
        public readonly LatencyHistogram Latency = new();
        public readonly LatencyHistogram QueueWait = new();
#pragma warning disable CA1051 // Fields, not properties: they are Interlocked targets.
        public long Calls;
        public long Successes;
        public long SuccessesWithinSlo;
        public long ClientErrors;
        public long ServerErrors;
        public long Timeouts;
        public long TransportErrors;
        public long BreakerOpen;
        public long Shed;
        public long Canceled;
        public long Attempts;
        public long Retries;
        public long Hedges;
        public int MaxInFlight;
#pragma warning restore CA1051
    }
}
