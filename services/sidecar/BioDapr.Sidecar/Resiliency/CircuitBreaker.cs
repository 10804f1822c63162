using BioDapr.Sidecar.Expressions;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// A circuit breaker with the semantics of the gobreaker library daprd uses:
/// <list type="bullet">
/// <item>closed: calls go through and are counted; counts are cleared every <c>interval</c> (never when it is 0);
/// after a failure the trip expression decides whether to open (default <c>consecutiveFailures &gt; 5</c>;
/// an expression that errors or is not a bool does not trip);</item>
/// <item>open: calls fail with <see cref="CircuitBreakerOpenException"/> until <c>timeout</c> has passed (0 means 60 s),
/// then the breaker is half-open;</item>
/// <item>half-open: up to <c>maxRequests</c> calls (0 means 1) go through, more are refused as too many requests;
/// one failure reopens, <c>maxRequests</c> consecutive successes close.</item>
/// </list>
/// Every state change starts a new generation and clears the counts; a call that started in an older
/// generation does not count when it finishes.
/// </summary>
internal sealed class CircuitBreaker
{
    /// <summary>How long an open breaker stays open when the definition says 0.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CelExpression? _trip;
    private CircuitBreakerState _state = CircuitBreakerState.Closed;
    private ulong _generation;
    private CircuitBreakerCounts _counts;
    private DateTimeOffset? _expiry;

    public CircuitBreaker(string name, CircuitBreakerDefinition definition, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Name = name;
        MaxRequests = definition.MaxRequests <= 0 ? 1 : definition.MaxRequests;
        Interval = definition.Interval > TimeSpan.Zero ? definition.Interval : TimeSpan.Zero;
        Timeout = definition.Timeout > TimeSpan.Zero ? definition.Timeout : DefaultTimeout;
        _trip = definition.Trip;
        _timeProvider = timeProvider;
        _logger = logger;
        StartGeneration(timeProvider.GetUtcNow());
    }

    public string Name { get; }

    public int MaxRequests { get; }

    public TimeSpan Interval { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The current state (an expired open state reads as half-open).</summary>
    public CircuitBreakerState State
    {
        get
        {
            lock (_lock)
            {
                return CurrentState(_timeProvider.GetUtcNow()).State;
            }
        }
    }

    /// <summary>The counters of the current generation.</summary>
    public CircuitBreakerCounts Counts
    {
        get
        {
            lock (_lock)
            {
                CurrentState(_timeProvider.GetUtcNow());
                return _counts;
            }
        }
    }

    /// <summary>Admits a call or throws <see cref="CircuitBreakerOpenException"/>; returns the generation to pass to <see cref="AfterRequest"/>.</summary>
    public ulong BeforeRequest()
    {
        lock (_lock)
        {
            var (state, generation) = CurrentState(_timeProvider.GetUtcNow());
            if (state == CircuitBreakerState.Open)
            {
                throw new CircuitBreakerOpenException(Name, tooManyRequests: false);
            }

            if (state == CircuitBreakerState.HalfOpen && _counts.Requests >= MaxRequests)
            {
                throw new CircuitBreakerOpenException(Name, tooManyRequests: true);
            }

            _counts = _counts.WithRequest();
            return generation;
        }
    }

    /// <summary>Records the outcome of a call admitted in <paramref name="generation"/>.</summary>
    public void AfterRequest(ulong generation, bool success)
    {
        lock (_lock)
        {
            var now = _timeProvider.GetUtcNow();
            var (state, current) = CurrentState(now);
            if (current != generation)
            {
                return;
            }

            if (success)
            {
                _counts = _counts.WithSuccess();
                if (state == CircuitBreakerState.HalfOpen && _counts.ConsecutiveSuccesses >= MaxRequests)
                {
                    SetState(CircuitBreakerState.Closed, now);
                }

                return;
            }

            if (state == CircuitBreakerState.HalfOpen)
            {
                SetState(CircuitBreakerState.Open, now);
                return;
            }

            _counts = _counts.WithFailure();
            if (ShouldTrip(_counts))
            {
                SetState(CircuitBreakerState.Open, now);
            }
        }
    }

    private bool ShouldTrip(CircuitBreakerCounts counts)
    {
        if (_trip is null)
        {
            return counts.ConsecutiveFailures > 5;
        }

        try
        {
            return _trip.Evaluate(new CelActivation(new Dictionary<string, object?>
            {
                ["requests"] = counts.Requests,
                ["totalSuccesses"] = counts.TotalSuccesses,
                ["totalFailures"] = counts.TotalFailures,
                ["consecutiveSuccesses"] = counts.ConsecutiveSuccesses,
                ["consecutiveFailures"] = counts.ConsecutiveFailures,
            })) is true;
        }
        catch (CelEvaluationException e)
        {
            // Tripping on an expression that cannot be evaluated would be a guess; daprd does not trip either.
            ResiliencyLog.TripExpressionFailed(_logger, Name, _trip.Text, e.Message);
            return false;
        }
    }

    private (CircuitBreakerState State, ulong Generation) CurrentState(DateTimeOffset now)
    {
        switch (_state)
        {
            case CircuitBreakerState.Closed when _expiry is { } expiry && expiry < now:
                StartGeneration(now);
                break;
            case CircuitBreakerState.Open when _expiry is { } expiry && expiry < now:
                SetState(CircuitBreakerState.HalfOpen, now);
                break;
        }

        return (_state, _generation);
    }

    private void SetState(CircuitBreakerState state, DateTimeOffset now)
    {
        if (_state == state)
        {
            return;
        }

        var previous = _state;
        _state = state;
        StartGeneration(now);
        ResiliencyLog.BreakerStateChanged(_logger, Name, previous, state);
    }

    private void StartGeneration(DateTimeOffset now)
    {
        _generation++;
        _counts = default;
        _expiry = _state switch
        {
            CircuitBreakerState.Closed => Interval == TimeSpan.Zero ? null : now + Interval,
            CircuitBreakerState.Open => now + Timeout,
            _ => null,
        };
    }
}
