using BioDapr.Contracts.Hormones;
namespace BioDapr.Sidecar.Resiliency;

/// <summary>An attempt ran longer than the policy's timeout. It is retried like any other failure.</summary>
internal sealed class ResiliencyTimeoutException(string policyName, TimeSpan timeout)
    : TimeoutException($"{policyName}: the attempt timed out after {GoDuration.Format(timeout)}")
{
    /// <summary>The timeout that expired.</summary>
    public TimeSpan Timeout { get; } = timeout;
}
