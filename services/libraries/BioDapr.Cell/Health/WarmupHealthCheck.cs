using BioDapr.Cell.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BioDapr.Cell.Health;

/// <summary>Unhealthy until the cell is warmed up (<see cref="CellReadiness"/>): nothing is sent to a cold cell.</summary>
internal sealed class WarmupHealthCheck(CellReadiness readiness) : IHealthCheck
{
    public const string Name = "warmup";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy("Warmed up.")
            : HealthCheckResult.Unhealthy("The cell is warming up."));
}
