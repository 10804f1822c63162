using System.ComponentModel.DataAnnotations;

namespace BioDapr.Gateway.Hormones;

/// <summary>Per-client rate limits (hormones <c>gateway.ratePerSecond</c>, <c>gateway.burst</c>): every client has its own token bucket.</summary>
public sealed record ClientLimits
{
    /// <summary>Requests per second each client may sustain.</summary>
    [Range(0.1, 100_000)]
    public double RatePerSecond { get; init; } = 200;

    /// <summary>Requests a client may send at once after being idle.</summary>
    [Range(1, 100_000)]
    public int Burst { get; init; } = 400;
}
