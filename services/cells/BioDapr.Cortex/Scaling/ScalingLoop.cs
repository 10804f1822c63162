using BioDapr.Scaling.Live;
using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Scaling;

/// <summary>The live scaling loop: one <see cref="ForecastScaling.StepAsync"/> every <see cref="ScalingOptions.PeriodSeconds"/>; a failed step is logged and the next one runs.</summary>
public sealed partial class ScalingLoop(ForecastScaling scaling, IOptions<ScalingOptions> options, TimeProvider time, ILogger<ScalingLoop> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Started(logger, options.Value.PeriodSeconds, scaling.Applies ? "applied through the runner" : "published only (no runner)");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PeriodSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var step = await scaling.StepAsync(stoppingToken);
                foreach (var cell in step.Retrained)
                {
                    Log.Retrained(logger, cell);
                }

                foreach (var decision in step.Decisions.Where(d => d.Applied))
                {
                    Log.Applied(logger, decision.AppId, decision.Replicas, decision.Source);
                }

                foreach (var problem in step.Problems)
                {
                    Log.Problem(logger, problem);
                }
            }
#pragma warning disable CA1031 // The loop outlives any one failed step (a training error included); the next period retries.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Log.StepFailed(logger, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 640, Level = LogLevel.Information, Message = "Forecast scaling on: a decision every {Period} s, {Mode}")]
        public static partial void Started(ILogger logger, double period, string mode);

        [LoggerMessage(EventId = 641, Level = LogLevel.Information, Message = "Forecaster of {Cell} retrained")]
        public static partial void Retrained(ILogger logger, string cell);

        [LoggerMessage(EventId = 642, Level = LogLevel.Information, Message = "Scaled {Cell} to {Replicas} replicas ({Source})")]
        public static partial void Applied(ILogger logger, string cell, int replicas, string source);

        [LoggerMessage(EventId = 643, Level = LogLevel.Warning, Message = "Forecast scaling: {Problem}")]
        public static partial void Problem(ILogger logger, string problem);

        [LoggerMessage(EventId = 644, Level = LogLevel.Error, Message = "Forecast scaling step failed; the next period retries")]
        public static partial void StepFailed(ILogger logger, Exception exception);
    }
}
