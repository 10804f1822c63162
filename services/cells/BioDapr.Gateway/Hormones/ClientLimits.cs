using System.ComponentModel.DataAnnotations;

namespace BioDapr.Gateway.Hormones;

/// <summary>
/// The gateway's live limits (hormones <c>gateway.*</c>): every client has its own token bucket; requests without a
/// valid key are limited per source address; an order request has a time budget that its retries share.
/// </summary>
public sealed record ClientLimits
{
    /// <summary>Requests per second each client may sustain.</summary>
    [Range(0.1, 100_000)]
    public double RatePerSecond { get; init; } = 200;

    /// <summary>Requests a client may send at once after being idle.</summary>
    [Range(1, 100_000)]
    public int Burst { get; init; } = 400;

    /// <summary>Requests per second a source address may send without a valid API key (each answered 401; beyond it 429).</summary>
    [Range(0.1, 10_000)]
    public double UnauthenticatedRatePerSecond { get; init; } = 5;

    /// <summary>Requests without a valid API key a source address may send at once after being idle.</summary>
    [Range(1, 10_000)]
    public int UnauthenticatedBurst { get; init; } = 20;

    /// <summary>
    /// The time budget of one order request, retries included, in milliseconds. Orders is told this deadline and
    /// never places an order after it, so a request that ran out of time is rolled back, not hidden.
    /// </summary>
    [Range(100, 120_000)]
    public int OrderTimeoutMs { get; init; } = 5_000;
}
