using Dapr.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// Blocks startup until the sidecar's API is usable (<see cref="DaprClient.WaitForSidecarAsync"/>); fails the start
/// with a message naming the sidecar ports when it does not come within <see cref="CellOptions.SidecarTimeout"/>.
/// </summary>
internal sealed partial class SidecarReadiness(DaprClient dapr, IOptions<CellOptions> options, Microsoft.Extensions.Configuration.IConfiguration configuration, ILogger<SidecarReadiness> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.WaitForSidecar)
        {
            return;
        }

        var where = Describe(configuration);
        Log.Waiting(logger, where);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.SidecarTimeout);
        try
        {
            await dapr.WaitForSidecarAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the Dapr sidecar ({where}) did not become healthy within {options.Value.SidecarTimeout.TotalSeconds:0.#} s: is it running, and are DAPR_HTTP_PORT/DAPR_GRPC_PORT right?");
        }

        Log.Ready(logger, where);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Describe(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        $"http {configuration["DAPR_HTTP_ENDPOINT"] ?? "port " + (configuration["DAPR_HTTP_PORT"] ?? "3500")}, grpc {configuration["DAPR_GRPC_ENDPOINT"] ?? "port " + (configuration["DAPR_GRPC_PORT"] ?? "50001")}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "Waiting for the Dapr sidecar ({Endpoint})")]
        public static partial void Waiting(ILogger logger, string endpoint);

        [LoggerMessage(EventId = 151, Level = LogLevel.Information, Message = "Dapr sidecar ({Endpoint}) is ready")]
        public static partial void Ready(ILogger logger, string endpoint);
    }
}
