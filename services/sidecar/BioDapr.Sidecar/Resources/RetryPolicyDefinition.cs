namespace BioDapr.Sidecar.Resources;

/// <summary>
/// A named retry policy (<c>spec.policies.retries.&lt;name&gt;</c>). Only <c>policy</c>, <c>duration</c>,
/// <c>maxInterval</c>, <c>maxRetries</c> and <c>matching</c> can be set; the exponential back-off's
/// initial interval (500 ms), multiplier (1.5), jitter (0.5) and maximum elapsed time (15 min) are fixed.
/// </summary>
/// <param name="Policy">Constant or exponential.</param>
/// <param name="Duration">Wait between attempts for a constant policy (default 5 s).</param>
/// <param name="MaxInterval">Cap of an exponential wait (default 60 s).</param>
/// <param name="MaxRetries">Retries after the first attempt; negative (default -1) retries without limit.</param>
/// <param name="HttpStatusCodes">HTTP codes that are retried; null retries every status-coded failure in the HTTP range.</param>
/// <param name="GrpcStatusCodes">gRPC codes that are retried; null retries every status-coded failure in the gRPC range.</param>
internal sealed record RetryPolicyDefinition(
    RetryBackoff Policy,
    TimeSpan Duration,
    TimeSpan MaxInterval,
    int MaxRetries,
    StatusCodeSet? HttpStatusCodes,
    StatusCodeSet? GrpcStatusCodes)
{
    /// <summary>Default constant wait.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(5);

    /// <summary>Default cap of exponential waits.</summary>
    public static readonly TimeSpan DefaultMaxInterval = TimeSpan.FromSeconds(60);

    /// <summary>First exponential wait.</summary>
    public static readonly TimeSpan InitialInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Growth factor of exponential waits.</summary>
    public const double Multiplier = 1.5;

    /// <summary>Jitter of exponential waits: each wait is drawn from ±50 % of the current interval.</summary>
    public const double RandomizationFactor = 0.5;

    /// <summary>An exponential policy stops once this much time has passed since the first attempt.</summary>
    public static readonly TimeSpan MaxElapsedTime = TimeSpan.FromMinutes(15);

    /// <summary>A policy with every field at its default (constant 5 s, unlimited retries, every failure retried).</summary>
    public static RetryPolicyDefinition Default { get; } = new(RetryBackoff.Constant, DefaultDuration, DefaultMaxInterval, -1, null, null);
}
