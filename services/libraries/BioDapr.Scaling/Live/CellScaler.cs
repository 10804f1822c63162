using BioDapr.Control.Replicas;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Live;

/// <summary>
/// One cell's scaling on a running organism: each <see cref="StepAsync"/> (every policy period, from the
/// cortex's loop) takes the cell's replicas as the runner reports them, the latest forecast from
/// <see cref="CellForecasts"/> (index 0 = the bucket in progress, as the cortex records every completed bucket),
/// lets the policy decide and applies a changed count through <see cref="IReplicaScaler"/>. Without a runner
/// (a deployment, where the platform's KEDA rule reads the decision) the replicas are taken to be the last
/// decision. The same policies run in the replica simulator.
/// </summary>
public sealed class CellScaler(string appId, IScalingPolicy policy, IReplicaScaler? scaler, CellForecasts forecasts, CellForecastOptions options, TimeProvider time, int horizon = 3)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private int _last = 1;
    private Task<CellReplicas>? _call;
    private long _coldStartTicks = -1;

    /// <summary>The cell's measured cold start, when known (given with its history); null: the policy's configured one.</summary>
    public TimeSpan? ColdStart
    {
        // Set by the history endpoint's thread, read by the loop's: one atomic long (-1: none).
        get => Interlocked.Read(ref _coldStartTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;
        set => Interlocked.Exchange(ref _coldStartTicks, value is { Ticks: >= 0 } v ? v.Ticks : -1);
    }

    /// <summary>The cell this scaler drives.</summary>
    public string AppId { get; } = appId;

    /// <summary>
    /// Decides one step from <paramref name="load"/>; when <paramref name="running"/> (the runner's view of this
    /// cell) is given and a scaler is present, a changed count is applied: one scale call at a time, not awaited (the
    /// runner answers once new replicas are ready); while it is in flight decisions are made and kept, and the first
    /// step after it applies the latest. A refused scale is returned in <see cref="CellDecision.Error"/> (of this step,
    /// or of the first step after the call ended), not thrown: the next period tries again.
    /// </summary>
    public async Task<CellDecision> StepAsync(CellLoad load, CellReplicas? running, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        var provisioned = running is null ? _last : running.Replicas.Count(r => r.State != "draining");
        var ready = running is null ? _last : running.Replicas.Count(r => r.State == "ready");
        var now = time.GetUtcNow();
        var bucket = TimeSpan.FromSeconds(options.BucketSeconds);
        var forecast = forecasts.Forecast(AppId, horizon);
        // Forecast bucket 0 is the one after the last recorded; a bucket is recorded a grace after it ends, so in the
        // first moments of a bucket that is still the bucket before: time into it is then more than one bucket (the
        // policy skips what is over). A history seeded ahead of now (a replay about to start) gives 0.
        var intoBucket = forecasts.LastBucket(AppId) is { } last
            ? now - (last + bucket)
            : TimeSpan.FromTicks(now.UtcTicks % bucket.Ticks);
        intoBucket = intoBucket > TimeSpan.Zero ? intoBucket : TimeSpan.Zero;
        var observation = new ScalingObservation(now - _started, provisioned, ready, load.Utilisation, load.ArrivalRate, load.Backlog, forecast, bucket, intoBucket, ColdStart);
        var desired = Math.Max(1, policy.Decide(observation));
        _last = desired;
        var source = forecast is null ? CellDecision.Observed : CellDecision.Forecast;
        // A call that ended since the last step: its refusal is reported now.
        var ended = await TakeEndedCallAsync().ConfigureAwait(false);
        if (scaler is null || running is null || desired == provisioned || _call is not null)
        {
            // With a call in flight the decision is kept, not sent: the runner answers a scale once the new replicas are
            // ready (a cold start), and the first step after it applies the latest decision (as LiveScalingController).
            return new CellDecision(AppId, desired, source, Applied: false, ended);
        }

        try
        {
            _call = scaler.ScaleAsync(AppId, desired, cancellationToken);
        }
        catch (ReplicaScalingException ex)
        {
            return new CellDecision(AppId, desired, source, Applied: false, ex.Message);
        }

        // Not awaited: the loop goes on deciding (and recording arrivals) while the replicas start. A runner that answers
        // at once (a refusal, unreachable) is reported in this step.
        var refused = _call.IsCompleted ? await TakeEndedCallAsync().ConfigureAwait(false) : null;
        return new CellDecision(AppId, desired, source, Applied: refused is null, refused ?? ended);
    }

    /// <summary>Whether a scale call of this cell is still waiting for the runner's answer.</summary>
    public bool ScaleInFlight => _call is { IsCompleted: false };

    // Observes the scale call in flight once it has ended (its owner is this scaler: a failure is never lost): null when
    // it succeeded or none ended, else why it failed.
    private async Task<string?> TakeEndedCallAsync()
    {
        if (_call is not { IsCompleted: true } call)
        {
            return null;
        }

        _call = null;
        try
        {
            await call.ConfigureAwait(false);
            return null;
        }
        catch (ReplicaScalingException ex)
        {
            return ex.Message;
        }
        catch (OperationCanceledException)
        {
            return "the scale call was cancelled";
        }
    }
}
