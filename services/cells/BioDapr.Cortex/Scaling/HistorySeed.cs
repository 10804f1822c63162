namespace BioDapr.Cortex.Scaling;

/// <summary>
/// The body of <c>PUT /scaling/{appId}/history</c>: a cell's arrival history the cortex was not there to see, and its
/// measured cold start. Plain terms: a warm start for the forecaster (history kept elsewhere, a cortex that restarted,
/// a replayed trace) instead of two days of watching.
/// </summary>
/// <param name="FirstBucket">Start of the first bucket (aligned to <c>Cortex:Forecasting:BucketSeconds</c>); the buckets follow one another, the last one is the last the cortex will not record from vitals.</param>
/// <param name="Arrivals">Requests that arrived in each bucket (all replicas), oldest first; at least two seasons for the forecaster to train.</param>
/// <param name="Phase">The first bucket's place in the season (its time of day, in buckets) when the history comes from another clock; default: from <paramref name="FirstBucket"/>.</param>
/// <param name="ColdStartSeconds">The cell's measured cold start (asking for a replica to its first served request); default: the configured <c>Cortex:Scaling:ColdStartSeconds</c>.</param>
public sealed record HistorySeed(DateTimeOffset? FirstBucket, double[]? Arrivals, int? Phase, double? ColdStartSeconds);
