namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// The forecasters a cell's scaling can run, by name: one factory for the cortex's loop
/// (<c>Cortex:Forecasting:Forecaster</c>) and the live scaling benchmark (<c>--forecaster</c>).
/// </summary>
public static class Forecasters
{
    /// <summary>The names <see cref="Create"/> accepts: the quantile GRU (TorchSharp) and the two baselines, which need no training time.</summary>
    public static IReadOnlyList<string> Names { get; } = ["quantile-gru", "holt-winters", "seasonal-naive"];

    /// <summary>A new forecaster <paramref name="name"/> predicting <paramref name="horizon"/> buckets ahead.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="horizon">Buckets ahead.</param>
    /// <param name="epochs">The quantile GRU's training epochs (null: its default).</param>
    /// <param name="seed">The quantile GRU's seed.</param>
    /// <exception cref="ArgumentException">An unknown name, with the known ones.</exception>
    public static IForecaster Create(string name, int horizon, int? epochs = null, int seed = 1)
    {
        return name switch
        {
            "quantile-gru" => new QuantileGruForecaster(epochs is { } e ? Gru() with { Epochs = e } : Gru()),
            "holt-winters" => new HoltWintersForecaster(horizon),
            "seasonal-naive" => new SeasonalNaiveForecaster(horizon),
            _ => throw new ArgumentException($"forecaster '{name}' is not one of {string.Join(", ", Names)}", nameof(name)),
        };

        QuantileGruOptions Gru() => new() { MaxHorizon = horizon, Seed = seed };
    }
}
