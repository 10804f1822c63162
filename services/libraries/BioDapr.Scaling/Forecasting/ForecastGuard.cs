using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Forecasting;

internal static class ForecastGuard
{
    public static void Check(bool fitted, string name, RateSeries series, int origin, int horizon, int maxHorizon)
    {
        if (!fitted)
        {
            throw new InvalidOperationException($"the {name} forecaster is not fitted: call Fit first");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(horizon, maxHorizon);
        if (horizon > series.SeasonLength)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), $"horizon {horizon} exceeds one season ({series.SeasonLength} buckets)");
        }

        if (origin < series.SeasonLength || origin > series.Values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(origin), $"origin {origin} needs one season ({series.SeasonLength} buckets) of history and must lie within the series ({series.Values.Length})");
        }
    }
}
