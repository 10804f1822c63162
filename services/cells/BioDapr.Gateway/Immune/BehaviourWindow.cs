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

    /// <summary>Requests whose body the server cut for arriving too slowly (408), decayed like the other counts.</summary>
    public double SlowBodies { get; private set; }

    public int Gaps { get; private set; }

    // The address's record: the same counts over about its last gateway.immune.newAddressRecordRequests requests
    // (each request ages the record by one, whatever the time between them), what an address that has not proven itself
    // is also judged on. For a caller slower than a request a second it holds more than the ~10 s window; for a faster
    // one, less.
    public double RecordRequests { get; private set; }

    public double RecordErrors { get; private set; }

    public double RecordReads { get; private set; }

    /// <summary>When this window last taught the baseline (ticks).</summary>
    public long LearnedAt { get; set; }

    /// <summary>Clean samples this window taught (an address becomes known to its client after a few).</summary>
    public int CleanSamples { get; set; }

    /// <summary>When the last request arrived (ticks).</summary>
    public long LastSeen { get; private set; } = now;

    /// <summary>The requests in flight: when each started and how its body is arriving.</summary>
    public List<InFlightRequest> InFlight { get; } = [];

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
        SlowBodies *= factor;
        _decayedAt = now;
    }

    public void Add(in RequestObservation request, long now, int largeBodyBytes, int recordRequests = 0)
    {
        Decay(now);
        var keep = recordRequests > 0 ? 1 - (1.0 / recordRequests) : 0;
        RecordRequests = (RecordRequests * keep) + 1;
        RecordErrors = (RecordErrors * keep) + (request.ClientError ? 1 : 0);
        RecordReads = (RecordReads * keep) + (request.Kind == RequestKind.ReadOrder ? 1 : 0);
        Requests += 1;
        if (request.ClientError)
        {
            Errors += 1;
            _recentErrors[_recentErrorCount++ % _recentErrors.Length] = ((int)request.Kind * 1000) + request.Status;
        }

        AuthFailures += request.AuthFailed ? 1 : 0;
        Large += request.BodyBytes > largeBodyBytes || request.Status == 413 ? 1 : 0;
        Reads += request.Kind == RequestKind.ReadOrder ? 1 : 0;
        SlowBodies += request.SlowBody ? 1 : 0;
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

    /// <summary>
    /// A request began at <paramref name="now"/>; returns its start, which names it here: a tick (100 ns) later than
    /// another request's in flight that began in the same tick, so each body's progress reaches its own request.
    /// </summary>
    public long Begin(long now)
    {
        while (InFlight.Exists(r => r.Started == now))
        {
            now++;
        }

        InFlight.Add(new InFlightRequest(now, 0, 0));
        return now;
    }

    /// <summary>The request begun at <paramref name="started"/> ended, or was received whole: it is no longer in flight.</summary>
    public void End(long started)
    {
        var at = InFlight.FindIndex(r => r.Started == started);
        if (at >= 0)
        {
            InFlight.RemoveAt(at);
        }
    }

    /// <summary>The request begun at <paramref name="started"/> has received <paramref name="bytes"/> of its body so far (its body began to arrive at the first call).</summary>
    public void Receiving(long started, long now, long bytes)
    {
        var at = InFlight.FindIndex(r => r.Started == started);
        if (at >= 0)
        {
            var request = InFlight[at];
            InFlight[at] = request with { BodySince = request.BodySince == 0 ? now : request.BodySince, Bytes = bytes };
        }
    }

    /// <summary>
    /// The requests in flight that are slow: open for <paramref name="slowTicks"/> or more, or receiving their body for
    /// <paramref name="bodyTicks"/> or more at below <paramref name="bytesPerSecond"/> on average. Each counts once.
    /// </summary>
    public int SlowInFlight(long now, long slowTicks, long bodyTicks = long.MaxValue, double bytesPerSecond = 0)
    {
        var slow = 0;
        foreach (var request in InFlight)
        {
            if (now - request.Started >= slowTicks || request.SlowBody(now, bodyTicks, bytesPerSecond))
            {
                slow++;
            }
        }

        return slow;
    }
}

/// <summary>A request in flight: when it started and, once its body began to arrive, since when and how many bytes so far.</summary>
internal readonly record struct InFlightRequest(long Started, long BodySince, long Bytes)
{
    /// <summary>Its body has been arriving for <paramref name="bodyTicks"/> or more at below <paramref name="bytesPerSecond"/> on average.</summary>
    public bool SlowBody(long now, long bodyTicks, double bytesPerSecond)
    {
        if (BodySince == 0 || now - BodySince < bodyTicks)
        {
            return false;
        }

        return Bytes < bytesPerSecond * (now - BodySince) / TimeSpan.TicksPerSecond;
    }
}
