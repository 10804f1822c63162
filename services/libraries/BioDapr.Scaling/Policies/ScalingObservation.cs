using BioDapr.Scaling.Forecasting;

namespace BioDapr.Scaling.Policies;

/// <summary>
/// What a scaling policy sees at a decision: the cell's replicas (provisioned, and ready to serve), the
/// utilisation of the ready replicas and the arrival rate over the last decision period, the requests waiting,
/// and the latest forecast of arrivals per bucket (index 0 is the bucket in progress, which started
/// <see cref="IntoBucket"/> ago; more than one bucket when the forecast's first bucket has ended and is not recorded
/// yet), or null when there is none. <see cref="ColdStart"/>, when given, is the cell's measured cold start, which a
/// policy that plans for one takes over its configured value.
/// </summary>
public sealed record ScalingObservation(
    TimeSpan Now,
    int Replicas,
    int ReadyReplicas,
    double Utilisation,
    double ArrivalRate,
    double Backlog,
    Forecast? Forecast,
    TimeSpan Bucket,
    TimeSpan IntoBucket,
    TimeSpan? ColdStart = null);
