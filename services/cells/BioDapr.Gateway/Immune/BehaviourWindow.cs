namespace BioDapr.Gateway.Immune;

/// <summary>
/// One caller's recent behaviour (a client from one address, or an address without a credential): counters that
/// decay exponentially with a time constant of <see cref="TimeConstantSeconds"/> (so each is about "how many in the
/// last 10 s" without keeping the requests), the inter-arrival times' variation, and the requests in flight.
/// Not thread-safe: the detector locks it.
/// </summary>
internal sealed class BehaviourWindow(long now)
{
    public const double TimeConstantSeconds = 10;
    private const double GapSmoothing = 0.2;

    private long _decayedAt = now;
    private long _lastArrival;
    private double _gapMean;
    private double _gapSquares;

    // The last client errors (kind × 1000 + status), a ring: the evidence a quarantine for errors names.
    private readonly int[] _recentErrors = new int[8];
    private int _recentErrorCount;

    public double Requests { get; private set; }

    public double Errors { get; private set; }

    public double AuthFailures { get; private set; }

    public double Large { get; private set; }

    public double Reads { get; private set; }

    public int Gaps { get; private set; }

    /// <summary>When this window last taught the baseline (ticks).</summary>
    public long LearnedAt { get; set; }

    /// <summary>Clean samples this window taught (an address becomes known to its client after a few).</summary>
    public int CleanSamples { get; set; }

    /// <summary>When the last request arrived (ticks).</summary>
    public long LastSeen { get; private set; } = now;

    /// <summary>Start times (ticks) of the requests in flight.</summary>
    public List<long> InFlight { get; } = [];

    /// <summary>Coefficient of variation of the recent inter-arrival times (1 for random arrivals, 0 for a metronome), or NaN with too few.</summary>
    public double Burstiness
    {
        get
        {
            if (Gaps < 8 || _gapMean <= 0)
            {
                return double.NaN;
            }

            return Math.Sqrt(Math.Max(0, _gapSquares - (_gapMean * _gapMean))) / _gapMean;
        }
    }

    public void Decay(long now)
    {
        if (now <= _decayedAt)
        {
            return;
        }

        var factor = Math.Exp(-(now - _decayedAt) / (TimeConstantSeconds * TimeSpan.TicksPerSecond));
        Requests *= factor;
        Errors *= factor;
        AuthFailures *= factor;
        Large *= factor;
        Reads *= factor;
        _decayedAt = now;
    }

    public void Add(in RequestObservation request, long now, int largeBodyBytes)
    {
        Decay(now);
        Requests += 1;
        if (request.ClientError)
        {
            Errors += 1;
            _recentErrors[_recentErrorCount++ % _recentErrors.Length] = ((int)request.Kind * 1000) + request.Status;
        }

        AuthFailures += request.AuthFailed ? 1 : 0;
        Large += request.BodyBytes > largeBodyBytes || request.Status == 413 ? 1 : 0;
        Reads += request.Kind == RequestKind.ReadOrder ? 1 : 0;
        if (_lastArrival > 0)
        {
            var gap = (double)(now - _lastArrival) / TimeSpan.TicksPerSecond;
            _gapMean = Gaps == 0 ? gap : _gapMean + (GapSmoothing * (gap - _gapMean));
            _gapSquares = Gaps == 0 ? gap * gap : _gapSquares + (GapSmoothing * ((gap * gap) - _gapSquares));
            Gaps++;
        }

        _lastArrival = now;
        LastSeen = now;
    }

    /// <summary>The last client errors (at most 8), as an operator reads them: "GET 404 ×3, POST 400 ×1".</summary>
    public string RecentErrors()
    {
        var count = Math.Min(_recentErrorCount, _recentErrors.Length);
        return string.Join(", ", _recentErrors.Take(count)
            .GroupBy(e => e)
            .OrderByDescending(g => g.Count())
            .Select(g => $"{KindName((RequestKind)(g.Key / 1000))} {g.Key % 1000} ×{g.Count()}"));
    }

    private static string KindName(RequestKind kind) => kind switch
    {
        RequestKind.PlaceOrder => "POST /api/orders",
        RequestKind.ReadOrder => "GET /api/orders/{id}",
        _ => "other",
    };

    public int SlowInFlight(long now, long slowTicks)
    {
        var slow = 0;
        foreach (var started in InFlight)
        {
            if (now - started >= slowTicks)
            {
                slow++;
            }
        }

        return slow;
    }
}
