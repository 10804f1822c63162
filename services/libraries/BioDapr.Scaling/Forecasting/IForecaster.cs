using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// Predicts a cell's arrivals per bucket 1..<see cref="MaxHorizon"/> buckets ahead with an 80 % prediction
/// interval. Implementations: <see cref="SeasonalNaiveForecaster"/>, <see cref="HoltWintersForecaster"/> and
/// <see cref="QuantileGruForecaster"/> (TorchSharp). A forecaster only ever reads buckets before the origin.
/// </summary>
public interface IForecaster
{
    /// <summary>Short name for tables and plots.</summary>
    string Name { get; }

    /// <summary>Largest horizon, in buckets, <see cref="Predict"/> accepts.</summary>
    int MaxHorizon { get; }

    /// <summary>Fits (or trains) on the buckets [0, <paramref name="trainEnd"/>) of <paramref name="series"/>.</summary>
    void Fit(RateSeries series, int trainEnd);

    /// <summary>Forecasts buckets <paramref name="origin"/> .. <paramref name="origin"/> + <paramref name="horizon"/> - 1 from the buckets before <paramref name="origin"/>.</summary>
    Forecast Predict(RateSeries series, int origin, int horizon);
}
