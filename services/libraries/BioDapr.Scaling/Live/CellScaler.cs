using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Live;

/// <summary>
/// One cell's scaling on a running organism: each <see cref="StepAsync"/> (every policy period, from the
/// cortex's loop) reads the cell's replicas through <see cref="IReplicaScaler"/>, takes the latest forecast from
/// <see cref="CellForecasts"/> (index 0 = the bucket in progress, as the cortex records every completed bucket),
/// lets the policy decide and applies a changed count. The same policies run in the replica simulator.
/// </summary>
public sealed class CellScaler(string appId, IScalingPolicy policy, IReplicaScaler scaler, CellForecasts forecasts, CellForecastOptions options, TimeProvider time, int horizon = 3)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    /// <summary>The cell this scaler drives.</summary>
    public string AppId { get; } = appId;

    /// <summary>Decides and applies one step; returns the replica count asked for.</summary>
    public async Task<int> StepAsync(CellLoad load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        var count = await scaler.GetAsync(AppId, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var bucket = TimeSpan.FromSeconds(options.BucketSeconds);
        var intoBucket = TimeSpan.FromTicks(now.UtcTicks % bucket.Ticks);
        var observation = new ScalingObservation(now - _started, count.Provisioned, count.Ready, load.Utilisation, load.ArrivalRate, load.Backlog, forecasts.Forecast(AppId, horizon), bucket, intoBucket);
        var desired = policy.Decide(observation);
        if (desired != count.Provisioned)
        {
            await scaler.SetAsync(AppId, desired, cancellationToken).ConfigureAwait(false);
        }

        return desired;
    }
}
