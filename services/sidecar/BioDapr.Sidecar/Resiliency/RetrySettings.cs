using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// Everything a retry needs, including the exponential back-off constants that a Resiliency document cannot
/// set (they differ only for the built-in policies).
/// </summary>
internal sealed record RetrySettings(
    RetryBackoff Policy,
    TimeSpan Duration,
    TimeSpan InitialInterval,
    double RandomizationFactor,
    double Multiplier,
    TimeSpan MaxInterval,
    TimeSpan MaxElapsedTime,
    long MaxRetries,
    StatusCodeSet? HttpStatusCodes,
    StatusCodeSet? GrpcStatusCodes)
{
    /// <summary>True unless the policy allows no retries at all.</summary>
    public bool HasRetries => MaxRetries != 0;

    /// <summary>Settings for a policy read from a Resiliency document (fixed constants for the rest).</summary>
    public static RetrySettings From(RetryPolicyDefinition definition) => new(
        definition.Policy,
        definition.Duration,
        RetryPolicyDefinition.InitialInterval,
        RetryPolicyDefinition.RandomizationFactor,
        RetryPolicyDefinition.Multiplier,
        definition.MaxInterval,
        RetryPolicyDefinition.MaxElapsedTime,
        definition.MaxRetries,
        definition.HttpStatusCodes,
        definition.GrpcStatusCodes);

    /// <summary>
    /// Whether a failure with this status is retried: gRPC codes (0-16) are checked against the gRPC list and
    /// HTTP codes (100-599) against the HTTP list, where an absent list retries everything; any other code is not retried.
    /// </summary>
    public bool ShouldRetryStatus(int statusCode)
    {
        if (statusCode is >= 0 and <= 16)
        {
            return GrpcStatusCodes?.Contains(statusCode) ?? true;
        }

        if (statusCode is >= 100 and <= 599)
        {
            return HttpStatusCodes?.Contains(statusCode) ?? true;
        }

        return false;
    }
}
