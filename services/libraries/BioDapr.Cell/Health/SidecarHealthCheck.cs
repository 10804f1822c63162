using BioDapr.Cell.Hosting;
using Dapr.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Health;

/// <summary>
/// Unhealthy while the sidecar's outbound API (<c>GET /v1.0/healthz/outbound</c>) is not ready: a cell without its
/// sidecar can neither publish, save nor call. The outbound probe does not depend on the app's own health, so the
/// sidecar probing this cell and this cell probing the sidecar never wait on each other.
/// </summary>
internal sealed class SidecarHealthCheck(DaprClient sidecar, IOptions<CellOptions> options) : IHealthCheck
{
    public const string Name = "sidecar";

    /// <summary>How long the probe waits for the sidecar's answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.WaitForSidecar)
        {
            return HealthCheckResult.Healthy("The cell runs without waiting for a sidecar (Cell:WaitForSidecar is false).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await sidecar.CheckOutboundHealthAsync(timeout.Token).ConfigureAwait(false)
                ? HealthCheckResult.Healthy("The sidecar's outbound API is ready.")
                : HealthCheckResult.Unhealthy("The Dapr sidecar's outbound API (GET /v1.0/healthz/outbound) is not ready or not reachable.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The Dapr sidecar did not answer GET /v1.0/healthz/outbound within {Timeout.TotalSeconds:0} s.");
        }
    }
}
