using System.ComponentModel.DataAnnotations;

namespace BioDapr.Scaling.Forecasting;

/// <summary>How the cortex keeps one forecaster per cell: bucket size, retraining schedule, history kept.</summary>
public sealed class CellForecastOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Cortex:Forecasting";

    /// <summary>Default bucket: 5 minutes (the public traces' resolution).</summary>
    public const int DefaultBucketSeconds = 300;

    /// <summary>Default retraining interval: 6 hours.</summary>
    public const int DefaultRetrainMinutes = 360;

    /// <summary>Default history kept per cell: 14 days.</summary>
    public const int DefaultHistoryDays = 14;

    /// <summary>Seconds per bucket.</summary>
    [Range(10, 3600)]
    public int BucketSeconds { get; set; } = DefaultBucketSeconds;

    /// <summary>Minutes between two retrainings of a cell's forecaster.</summary>
    [Range(1, 7 * 24 * 60)]
    public int RetrainMinutes { get; set; } = DefaultRetrainMinutes;

    /// <summary>Days of buckets kept per cell (older ones are dropped).</summary>
    [Range(2, 90)]
    public int HistoryDays { get; set; } = DefaultHistoryDays;

    /// <summary>Buckets per day.</summary>
    public int SeasonLength => 86_400 / BucketSeconds;
}
