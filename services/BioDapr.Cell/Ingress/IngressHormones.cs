using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cell.Ingress;

/// <summary>
/// Ingress admission (hormones <c>&lt;cell&gt;.admission.*</c>): how many requests the cell works on at once
/// (its worker slots); requests beyond that are shed at once with <see cref="ShedStatusCode"/> and
/// <c>Retry-After</c>, instead of queueing past the latency SLO.
/// </summary>
public sealed record AdmissionHormones
{
    /// <summary>Requests served at once (worker slots).</summary>
    [Range(1, 100_000)]
    public int MaxConcurrency { get; init; } = 256;

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

    /// <summary>Worker slots taken away from <see cref="AdmissionHormones.MaxConcurrency"/> (capacity loss).</summary>
    [Range(0, 100_000)]
    public int SlotReduction { get; init; }

    /// <summary>
    /// Samples the added latency for one request: zero when the request is not chosen; else a lognormal
    /// with mean <see cref="LatencyMs"/> and coefficient of variation <see cref="LatencyCv"/>.
    /// </summary>
    public TimeSpan SampleLatency(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (LatencyMs <= 0 || random.NextDouble() >= LatencyFraction)
        {
            return TimeSpan.Zero;
        }

        if (LatencyCv <= 0)
        {
            return TimeSpan.FromMilliseconds(LatencyMs);
        }

        var sigma2 = Math.Log(1 + (LatencyCv * LatencyCv));
        var mu = Math.Log(LatencyMs) - (sigma2 / 2);
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Exp(mu + (Math.Sqrt(sigma2) * normal)));
    }
}
