using Dapr.Actors;
using Dapr.Actors.Client;

namespace BioDapr.Cortex.Recycling;

/// <summary>
/// At the cortex's start, asks the dead-letter trim actor to register its reminder, retrying (with a growing pause, up to
/// 30 s) until the sidecar and the actor runtime answer. Every replica does it; the reminder is one per organism.
/// </summary>
public sealed partial class DeadLetterTrimScheduler(IActorProxyFactory proxies, DeadLetterTrimmer trimmer, TimeProvider time, ILogger<DeadLetterTrimScheduler> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!trimmer.Enabled)
        {
            Log.Off(logger);
            return;
        }

        var proxy = proxies.CreateActorProxy<IDeadLetterTrimActor>(new ActorId(DeadLetterTrimActor.OrganismId), DeadLetterTrimActor.TypeName);
        var pause = TimeSpan.FromSeconds(1);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await proxy.ScheduleAsync();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Log.NotYet(logger, attempt, ex.Message);
            }

            await Task.Delay(pause, time, stoppingToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 663, Level = LogLevel.Information, Message = "Dead letters are not trimmed by the cortex: no Cortex:DeadLetters:Redis (on Azure the Service Bus subscription expires them)")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(EventId = 664, Level = LogLevel.Warning, Message = "Scheduling the dead-letter trim failed (attempt {Attempt}): {Reason}; retrying")]
        public static partial void NotYet(ILogger logger, int attempt, string reason);
    }
}
