using BioDapr.Cell.Events;
using Microsoft.Extensions.Hosting;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// Builds the subscription list once the app has started (its endpoints, and so their topic declarations, are known
/// then), so conflicting declarations stop the cell with their message instead of failing the sidecar's first
/// <c>GET /dapr/subscribe</c>.
/// </summary>
internal sealed class SubscriptionCatalogCheck(SubscriptionCatalog catalog) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _ = catalog.ToJson();
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
