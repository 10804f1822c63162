using System.ComponentModel.DataAnnotations;

namespace BioDapr.Scaling.Forecasting;

/// <summary>How the cortex keeps one forecaster per cell: bucket size, season, forecaster, retraining schedule, history kept.</summary>
public sealed class CellForecastOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Cortex:Forecasting";

    /// <summary>Default bucket: 5 minutes (the public traces' resolution).</summary>
    public const int DefaultBucketSeconds = 300;

    /// <summary>Default retraining interval: 6 hours.</summary>
    public const int DefaultRetrainMinutes = 360;

    /// <summary>Default history kept per cell: 14 days.</summary>
    public const int DefaultHistoryDays = 14;

    /// <summary>Default season: one day.</summary>
    public const int DefaultSeasonSeconds = 86_400;

    /// <summary>Seconds per bucket.</summary>
    [Range(10, 3600)]
    public int BucketSeconds { get; set; } = DefaultBucketSeconds;

    /// <summary>Minutes between two retrainings of a cell's forecaster.</summary>
    [Range(1, 7 * 24 * 60)]
    public int RetrainMinutes { get; set; } = DefaultRetrainMinutes;

    /// <summary>Days of buckets kept per cell (older ones are dropped).</summary>
    [Range(2, 90)]
    public int HistoryDays { get; set; } = DefaultHistoryDays;

    /// <summary>
    /// Seconds per season (the daily cycle the forecaster learns): one day. A replay in compressed time (the live
    /// scaling benchmark replays a 5-minute bucket in 10 s) sets it to the compressed day (86400 / 30 = 2880), so a
    /// "day" of buckets is still one season. A multiple of <see cref="BucketSeconds"/>.
    /// </summary>
    [Range(60, 7 * 86_400)]
    public int SeasonSeconds { get; set; } = DefaultSeasonSeconds;

    /// <summary>
    /// The forecaster per cell: <c>quantile-gru</c> (TorchSharp, the default), <c>holt-winters</c> or
    /// <c>seasonal-naive</c> (the baselines: no training time, for short runs and tests).
    /// </summary>
    public string Forecaster { get; set; } = "quantile-gru";

    /// <summary>Training epochs of the quantile GRU (null: its default).</summary>
    [Range(1, 1000)]
    public int? Epochs { get; set; }

    /// <summary>Buckets per season (per day).</summary>
    public int SeasonLength => SeasonSeconds / BucketSeconds;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BucketSeconds > 0 && SeasonSeconds % BucketSeconds != 0)
        {
            yield return new ValidationResult($"Cortex:Forecasting:SeasonSeconds ({SeasonSeconds}) must be a multiple of BucketSeconds ({BucketSeconds})", [nameof(SeasonSeconds)]);
        }

        if (!Forecasters.Names.Contains(Forecaster, StringComparer.Ordinal))
        {
            yield return new ValidationResult($"Cortex:Forecasting:Forecaster '{Forecaster}' is not one of {string.Join(", ", Forecasters.Names)}", [nameof(Forecaster)]);
        }
    }
}
