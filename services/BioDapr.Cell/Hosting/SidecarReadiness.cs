using BioDapr.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Hosting;

/// <summary>Blocks startup until the sidecar's API is usable; fails the start with the client's clear message otherwise.</summary>
internal sealed partial class SidecarReadiness(IDaprSidecarClient sidecar, IOptions<CellOptions> options, ILogger<SidecarReadiness> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.WaitForSidecar)
        {
            return;
        }

        Log.Waiting(logger, sidecar.Connection.HttpEndpoint);
        await sidecar.WaitForSidecarAsync(cancellationToken: cancellationToken);
        Log.Ready(logger, sidecar.Connection.HttpEndpoint);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "Waiting for the Dapr sidecar at {Endpoint}")]
        public static partial void Waiting(ILogger logger, Uri endpoint);

        [LoggerMessage(EventId = 151, Level = LogLevel.Information, Message = "Dapr sidecar at {Endpoint} is ready")]
        public static partial void Ready(ILogger logger, Uri endpoint);
    }
}
