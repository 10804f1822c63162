using BioDapr.Control.Replicas;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Live;
using BioDapr.Scaling.Policies;
using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Scaling;

/// <summary>Registers the desired-replicas source: the placeholder, or the live forecast loop when <c>Cortex:Scaling:Enabled</c>.</summary>
public static class ScalingServiceCollectionExtensions
{
    /// <summary>Adds the scaling options, the source of <c>/scaling</c> and, when enabled, the loop and the runner's scaler.</summary>
    public static IServiceCollection AddCortexScaling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScalingOptions>().BindConfiguration(ScalingOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.MinReplicas <= o.MaxReplicas, "Cortex:Scaling: MinReplicas must not exceed MaxReplicas").ValidateOnStart();
        if (!(configuration.GetSection(ScalingOptions.SectionName).Get<ScalingOptions>()?.Enabled ?? false))
        {
            services.AddSingleton(new ScalingVitals(null));
            services.AddSingleton<IDesiredReplicasSource, PlaceholderDesiredReplicas>();
            return services;
        }

        services.AddOptions<CellForecastOptions>().BindConfiguration(CellForecastOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var forecasting = sp.GetRequiredService<IOptions<CellForecastOptions>>().Value;
            return new CellForecasts(() => Forecasters.Create(forecasting.Forecaster, ForecastHorizon, forecasting.Epochs), forecasting, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new ArrivalBook(sp.GetRequiredService<IOptions<CellForecastOptions>>().Value, sp.GetRequiredService<TimeProvider>())
        {
            Grace = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ScalingOptions>>().Value.BucketGraceSeconds),
        });
        services.AddSingleton(sp => new ScalingVitals(sp.GetRequiredService<ArrivalBook>()));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ScalingOptions>>().Value;
            // A scale call waits until the new replicas are ready: a long timeout, its own client.
            IReplicaScaler? runner = RunnerReplicaScaler.FromEnvironment(new HttpClient { Timeout = TimeSpan.FromMinutes(2) }, Environment.GetEnvironmentVariable);
            return new ForecastScaling(Settings(o), sp.GetRequiredService<CellForecasts>(), sp.GetRequiredService<ArrivalBook>(), runner, sp.GetRequiredService<IOptions<CellForecastOptions>>().Value, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IDesiredReplicasSource, ForecastDesiredReplicas>();
        services.AddHostedService<ScalingLoop>();
        return services;
    }

    /// <summary>Buckets ahead a decision looks at (and the forecaster predicts).</summary>
    public const int ForecastHorizon = 3;

    /// <summary>The loop's settings from the options.</summary>
    public static ForecastScalingSettings Settings(ScalingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ForecastScalingSettings
        {
            Cells = options.Cells,
            NotApplied = options.NotApplied,
            Horizon = ForecastHorizon,
            ObservedWindow = options.ObservedWindowSeconds is { } observed ? TimeSpan.FromSeconds(observed) : null,
            Policy = new PredictiveSettings
            {
                Capacity = new CapacityModel(options.PerReplicaRate, options.TargetUtilisation),
                ColdStart = TimeSpan.FromSeconds(options.ColdStartSeconds),
                Period = TimeSpan.FromSeconds(options.PeriodSeconds),
                ScaleDownStabilisation = TimeSpan.FromSeconds(options.ScaleDownStabilisationSeconds),
                BacklogDrain = TimeSpan.FromSeconds(options.BacklogDrainSeconds),
                MinReplicas = Math.Max(1, options.MinReplicas),
                MaxReplicas = Math.Max(Math.Max(1, options.MinReplicas), options.MaxReplicas),
            },
        };
    }
}
