using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cell.Ingress;

/// <summary>
/// Ingress admission (hormones <c>&lt;cell&gt;.admission.*</c>): how many requests the cell works on at once
/// (its worker slots); requests beyond that wait in a first-in-first-out queue of at most
/// <see cref="QueueLimit"/> (none by default), and the rest are shed at once with <see cref="ShedStatusCode"/>
/// and <c>Retry-After</c>, instead of queueing past the latency SLO.
/// </summary>
public sealed record AdmissionHormones
{
    /// <summary>Requests served at once (worker slots).</summary>
    [Range(1, 100_000)]
    public int MaxConcurrency { get; init; } = 256;

    /// <summary>Requests that may wait for a slot (0: shed as soon as every slot is taken).</summary>
    [Range(0, 1_000_000)]
    public int QueueLimit { get; init; }

    /// <summary>The status of a shed request: 503 (overloaded) or 429 (slow down).</summary>
    [AllowedValues(429, 503)]
    public int ShedStatusCode { get; init; } = 503;

    /// <summary>The <c>Retry-After</c> of a shed request, in seconds.</summary>
    [Range(0, 3_600)]
    public int RetryAfterSeconds { get; init; } = 1;
}

/// <summary>
/// Pathogens: faults injected on purpose into the cell's endpoints (hormones <c>&lt;cell&gt;.pathogens.*</c>),
/// so incidents can be reproduced on real processes. All off by default.
/// </summary>
public sealed record PathogenHormones
{
    /// <summary>Every request fails with 503 (a full outage).</summary>
    public bool Outage { get; init; }

    /// <summary>The fraction of requests that fail with 503.</summary>
    [Range(0.0, 1.0)]
    public double ErrorRate { get; init; }

    /// <summary>Mean added latency in milliseconds (lognormal), on <see cref="LatencyFraction"/> of requests.</summary>
    [Range(0.0, 60_000.0)]
    public double LatencyMs { get; init; }

    /// <summary>Coefficient of variation of the added latency (0: constant).</summary>
    [Range(0.0, 10.0)]
    public double LatencyCv { get; init; }

    /// <summary>The fraction of requests that get the added latency.</summary>
    [Range(0.0, 1.0)]
    public double LatencyFraction { get; init; } = 1.0;

    /// <summary>
    /// Mean simulated work in milliseconds (lognormal) that every admitted request (not event deliveries)
    /// holds its slot for before the handler runs, on top of <see cref="LatencyMs"/>: gives a cell the service
    /// time of a scenario's topology in live load tests (<c>biodapr load --emulate</c>). 0: none.
    /// </summary>
    [Range(0.0, 60_000.0)]
    public double WorkMs { get; init; }

    /// <summary>Coefficient of variation of the simulated work (0: constant).</summary>
    [Range(0.0, 10.0)]
    public double WorkCv { get; init; }

    /// <summary>Worker slots taken away from <see cref="AdmissionHormones.MaxConcurrency"/> (capacity loss).</summary>
    [Range(0, 100_000)]
    public int SlotReduction { get; init; }

    /// <summary>
    /// Samples the added latency for one request: zero when the request is not chosen (<see cref="LatencyFraction"/>);
    /// else a lognormal with mean <see cref="LatencyMs"/> and coefficient of variation <see cref="LatencyCv"/>.
    /// </summary>
    public TimeSpan SampleLatency(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return LatencyMs > 0 && random.NextDouble() < LatencyFraction ? TimeSpan.FromMilliseconds(Lognormal(random, LatencyMs, LatencyCv)) : TimeSpan.Zero;
    }

    /// <summary>Samples the simulated work for one request: a lognormal with mean <see cref="WorkMs"/> and coefficient of variation <see cref="WorkCv"/> (zero when off).</summary>
    public TimeSpan SampleWork(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return WorkMs > 0 ? TimeSpan.FromMilliseconds(Lognormal(random, WorkMs, WorkCv)) : TimeSpan.Zero;
    }

    private static double Lognormal(Random random, double mean, double cv)
    {
        if (cv <= 0)
        {
            return mean;
        }

        var sigma2 = Math.Log(1 + (cv * cv));
        var mu = Math.Log(mean) - (sigma2 / 2);
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Exp(mu + (Math.Sqrt(sigma2) * normal));
    }
}
