using BioDapr.Control.Replicas;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Live;

/// <summary>What the live replay measured over one decision period (from the client's side).</summary>
/// <param name="Length">The period's length.</param>
/// <param name="Arrivals">Requests that arrived in it.</param>
/// <param name="Completed">Requests answered with success in it.</param>
/// <param name="InFlight">Requests sent and not answered at its end.</param>
public sealed record LivePeriod(TimeSpan Length, int Arrivals, int Completed, int InFlight);

/// <summary>One decision of <see cref="LiveScalingController"/>: what the policy saw and what it asked for.</summary>
public sealed record LiveDecision(TimeSpan At, int Replicas, int ReadyReplicas, double Utilisation, double ArrivalRate, double Backlog, int Desired, string Action);

/// <summary>
/// One scaling policy driving one cell's replicas on a running organism through <see cref="IReplicaScaler"/> (the
/// runner's control API). Each <see cref="StepAsync"/> reads the replicas (provisioned: starting + ready; ready), turns
/// the period's measurements into the policy's <see cref="ScalingObservation"/> and applies a changed count.
/// <para>Utilisation is emulated capacity in use: each replica has <c>Slots</c> workers each holding a request for
/// <c>ServiceTime</c>, so utilisation = max(completed x service time / period, requests in flight) / (ready x slots), at
/// most 1 (as a CPU metric saturates: a replica that completes little because it is swamped is still busy). Backlog = requests in flight beyond the ready replicas' slots.</para>
/// <para>The runner's scale call returns once new replicas are ready (or removed ones drained) and one app's scale calls
/// are serialised, so at most one call is in flight; a decision taken meanwhile is kept and the latest is applied when
/// the call returns (a Kubernetes HPA would instead update the Deployment's target at once). Failures are counted, never thrown.</para>
/// </summary>
public sealed class LiveScalingController
{
    private readonly IScalingPolicy _policy;
    private readonly IReplicaScaler _scaler;
    private readonly string _appId;
    private readonly int _slots;
    private readonly TimeSpan _serviceTime;
    private readonly int _minReplicas;
    private readonly int _maxReplicas;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _gate = new();
    private Task? _applying;
    private int? _pending;
    private int? _requested;

    /// <param name="policy">The policy deciding.</param>
    /// <param name="scaler">The runner.</param>
    /// <param name="appId">The scaled cell.</param>
    /// <param name="slots">Workers per replica.</param>
    /// <param name="serviceTime">Time a worker holds one request.</param>
    /// <param name="minReplicas">Lower bound of every applied count.</param>
    /// <param name="maxReplicas">Upper bound of every applied count.</param>
    /// <param name="time">The clock (the policy's <c>Now</c> counts from construction).</param>
    public LiveScalingController(IScalingPolicy policy, IReplicaScaler scaler, string appId, int slots, TimeSpan serviceTime, int minReplicas, int maxReplicas, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scaler);
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(serviceTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(minReplicas, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReplicas, minReplicas);
        ArgumentNullException.ThrowIfNull(time);
        (_policy, _scaler, _appId, _slots, _serviceTime, _minReplicas, _maxReplicas, _time) = (policy, scaler, appId, slots, serviceTime, minReplicas, maxReplicas, time);
        _started = time.GetTimestamp();
    }

    /// <summary>Every decision so far.</summary>
    public List<LiveDecision> Decisions { get; } = [];

    /// <summary>Scale calls the runner completed: when it was asked (since start), the count, and how long the call took.</summary>
    public List<(TimeSpan At, int Replicas, TimeSpan Took)> Applied { get; } = [];

    /// <summary>Scale calls or replica reads that failed, with the runner's reason.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>
    /// One decision: reads the replicas, asks the policy, applies a changed count (or keeps it for after the call in
    /// flight). Returns the decision, or null when the runner could not be read (counted in <see cref="Failures"/>).
    /// </summary>
    public async Task<LiveDecision?> StepAsync(LivePeriod period, Forecast? forecast, TimeSpan bucket, TimeSpan intoBucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(period);
        IReadOnlyList<ReplicaInfo> replicas;
        try
        {
            replicas = (await _scaler.ListAsync(cancellationToken)).FirstOrDefault(c => c.AppId == _appId)?.Replicas
                ?? throw new ReplicaScalingException($"the runner does not list app '{_appId}'");
        }
        catch (ReplicaScalingException ex)
        {
            lock (_gate)
            {
                Failures.Add(ex.Message);
            }

            return null;
        }

        var provisioned = replicas.Count(r => r.State != "draining");
        var ready = replicas.Count(r => r.State == "ready");
        var seconds = Math.Max(1e-3, period.Length.TotalSeconds);
        // Busy workers: completions x service time over the period (Little's law), or the requests in flight when they fill
        // every slot (a saturated replica completes little, yet is busy, as a CPU metric would show).
        var utilisation = ready == 0 ? 0 : Math.Min(1, Math.Max(period.Completed * _serviceTime.TotalSeconds / seconds, period.InFlight) / (ready * _slots));
        var arrivalRate = period.Arrivals / seconds;
        var backlog = Math.Max(0, period.InFlight - (ready * _slots));
        var now = _time.GetElapsedTime(_started);
        var desired = Math.Clamp(
            _policy.Decide(new ScalingObservation(now, provisioned, ready, utilisation, arrivalRate, backlog, forecast, bucket, intoBucket)),
            _minReplicas,
            _maxReplicas);
        string action;
        lock (_gate)
        {
            var target = _pending ?? _requested ?? provisioned;
            if (desired == target)
            {
                action = "keep";
            }
            else if (_applying is { IsCompleted: false })
            {
                _pending = desired;
                action = "deferred";
            }
            else
            {
                _requested = desired;
                _applying = ApplyAsync(desired, cancellationToken);
                action = "scale";
            }
        }

        var decision = new LiveDecision(now, provisioned, ready, utilisation, arrivalRate, backlog, desired, action);
        lock (_gate)
        {
            Decisions.Add(decision);
        }

        return decision;
    }

    /// <summary>Waits for the scale call in flight (and a decision kept for after it) to finish.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task? applying;
            lock (_gate)
            {
                applying = _applying;
            }

            if (applying is null || applying.IsCompleted)
            {
                return;
            }

            await applying;
        }
    }

    // Applies counts until no newer decision is waiting; the runner's reason of a failed call is kept.
    private async Task ApplyAsync(int replicas, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (true)
        {
            var asked = _time.GetElapsedTime(_started);
            try
            {
                await _scaler.ScaleAsync(_appId, replicas, cancellationToken);
                lock (_gate)
                {
                    Applied.Add((asked, replicas, _time.GetElapsedTime(_started) - asked));
                }
            }
            catch (ReplicaScalingException ex)
            {
                lock (_gate)
                {
                    Failures.Add($"scale to {replicas}: {ex.Message}");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            lock (_gate)
            {
                if (_pending is not { } next || next == replicas)
                {
                    _pending = null;
                    return;
                }

                _pending = null;
                _requested = replicas = next;
            }
        }
    }
}
