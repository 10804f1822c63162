namespace BioDapr.Scaling.Forecasting;

/// <summary>Settings of <see cref="QuantileGruForecaster"/>; the defaults are the ones the scale benchmark uses.</summary>
public sealed record QuantileGruOptions
{
    /// <summary>Buckets ahead the model predicts (3 five-minute buckets = 15 minutes).</summary>
    public int MaxHorizon { get; init; } = 3;

    /// <summary>Recent buckets the GRU reads (36 five-minute buckets = 3 hours).</summary>
    public int Window { get; init; } = 36;

    /// <summary>GRU hidden units.</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>Passes over the training samples.</summary>
    public int Epochs { get; init; } = 25;

    /// <summary>Samples per Adam step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 0.003;

    /// <summary>Seed of the weights' initialisation and the sample order: one seed, one model.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Trailing training buckets held out of the gradient steps to calibrate the 80 % interval (conformalised
    /// quantile regression); 0 = one season.
    /// </summary>
    public int CalibrationBuckets { get; init; }
}
