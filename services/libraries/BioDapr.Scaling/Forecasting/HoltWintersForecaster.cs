using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// Additive Holt-Winters (triple exponential smoothing): level, trend and a daily seasonal profile, with the
/// smoothing constants chosen by a grid search that minimises the in-sample one-step squared error. Its 80 %
/// interval adds the 10 % and 90 % quantiles of its own in-sample h-step errors (second half of the training
/// period) to the point forecast. Written here: no package served to this build offers Holt-Winters for .NET
/// (Microsoft.ML's forecasting is SSA, not Holt-Winters, and it is not among the served packages).
/// </summary>
public sealed class HoltWintersForecaster(int maxHorizon) : IForecaster
{
    private static readonly double[] AlphaGrid = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
    private static readonly double[] BetaGrid = [0, 0.005, 0.02, 0.05, 0.1];
    private static readonly double[] GammaGrid = [0.01, 0.05, 0.1, 0.2, 0.4];

    private double[] _lowerOffsets = [];
    private double[] _upperOffsets = [];
    private RateSeries? _cachedSeries;
    private State? _cached;

    /// <inheritdoc />
    public string Name => "holt-winters";

    /// <inheritdoc />
    public int MaxHorizon { get; } = maxHorizon;

    /// <summary>The fitted smoothing constants (level, trend, season).</summary>
    public (double Alpha, double Beta, double Gamma) Parameters { get; private set; }

    /// <summary>Whether <see cref="Fit"/> has run.</summary>
    public bool IsFitted { get; private set; }

    /// <inheritdoc />
    public void Fit(RateSeries series, int trainEnd)
    {
        ArgumentNullException.ThrowIfNull(series);
        var m = series.SeasonLength;
        if (trainEnd < 2 * m || trainEnd > series.Values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(trainEnd), $"Holt-Winters needs at least two seasons ({2 * m} buckets) of training within the series ({series.Values.Length}); got {trainEnd}");
        }

        var best = double.MaxValue;
        foreach (var alpha in AlphaGrid)
        {
            foreach (var beta in BetaGrid)
            {
                foreach (var gamma in GammaGrid)
                {
                    var state = State.Initial(series.Values, m);
                    var sse = 0.0;
                    for (var t = m; t < trainEnd; t++)
                    {
                        var error = series.Values[t] - state.OneStep();
                        sse += error * error;
                        state.Update(series.Values[t], alpha, beta, gamma);
                    }

                    if (sse < best)
                    {
                        best = sse;
                        Parameters = (alpha, beta, gamma);
                    }
                }
            }
        }

        // Interval offsets from the fitted model's own h-step errors over the second half of training.
        var errors = Enumerable.Range(0, MaxHorizon).Select(_ => new List<double>()).ToArray();
        var run = State.Initial(series.Values, m);
        for (var t = m; t < trainEnd; t++)
        {
            if (t >= trainEnd / 2)
            {
                for (var h = 1; h <= MaxHorizon && t + h - 1 < trainEnd; h++)
                {
                    errors[h - 1].Add(series.Values[t + h - 1] - run.Ahead(h));
                }
            }

            run.Update(series.Values[t], Parameters.Alpha, Parameters.Beta, Parameters.Gamma);
        }

        _lowerOffsets = [.. errors.Select(e => ForecastMetrics.Quantile(e, 0.1))];
        _upperOffsets = [.. errors.Select(e => ForecastMetrics.Quantile(e, 0.9))];
        _cachedSeries = null;
        _cached = null;
        IsFitted = true;
    }

    /// <inheritdoc />
    public Forecast Predict(RateSeries series, int origin, int horizon)
    {
        ArgumentNullException.ThrowIfNull(series);
        ForecastGuard.Check(IsFitted, Name, series, origin, horizon, MaxHorizon);
        var state = StateAt(series, origin);
        var median = new double[horizon];
        var lower = new double[horizon];
        var upper = new double[horizon];
        for (var h = 1; h <= horizon; h++)
        {
            var point = state.Ahead(h);
            median[h - 1] = Math.Max(0, point);
            lower[h - 1] = Math.Max(0, point + _lowerOffsets[h - 1]);
            upper[h - 1] = Math.Max(lower[h - 1], point + _upperOffsets[h - 1]);
        }

        return new Forecast(median, lower, upper);
    }

    // Rolling evaluations ask for consecutive origins: the filter continues from the last state instead of restarting.
    private State StateAt(RateSeries series, int origin)
    {
        if (!ReferenceEquals(series, _cachedSeries) || _cached is null || _cached.Time > origin)
        {
            _cachedSeries = series;
            _cached = State.Initial(series.Values, series.SeasonLength);
        }

        while (_cached.Time < origin)
        {
            _cached.Update(series.Values[_cached.Time], Parameters.Alpha, Parameters.Beta, Parameters.Gamma);
        }

        return _cached;
    }

    /// <summary>The filter's state after the buckets before <see cref="Time"/>.</summary>
    internal sealed class State
    {
        private readonly double[] _season;

        private State(double level, double trend, double[] season, int time)
        {
            Level = level;
            Trend = trend;
            _season = season;
            Time = time;
        }

        public double Level { get; private set; }

        public double Trend { get; private set; }

        public int Time { get; private set; }

        /// <summary>Level: the first season's mean; trend: the change of the mean from the first to the second season per bucket; season: the first season's deviations.</summary>
        public static State Initial(double[] values, int m)
        {
            var first = values.AsSpan(0, m).ToArray().Average();
            var trend = values.Length >= 2 * m ? (values.AsSpan(m, m).ToArray().Average() - first) / m : 0;
            var season = new double[m];
            for (var i = 0; i < m; i++)
            {
                season[i] = values[i] - first;
            }

            // The state stands after bucket m - 1, with the level at the first season's centre moved to its end.
            return new State(first + (trend * (m - 1) / 2.0), trend, season, m);
        }

        public double OneStep() => Ahead(1);

        /// <summary>Forecast of bucket Time + h - 1.</summary>
        public double Ahead(int h) => Level + (h * Trend) + _season[(Time + h - 1) % _season.Length];

        public void Update(double value, double alpha, double beta, double gamma)
        {
            var slot = Time % _season.Length;
            var previousLevel = Level;
            Level = (alpha * (value - _season[slot])) + ((1 - alpha) * (previousLevel + Trend));
            Trend = (beta * (Level - previousLevel)) + ((1 - beta) * Trend);
            _season[slot] = (gamma * (value - Level)) + ((1 - gamma) * _season[slot]);
            Time++;
        }
    }
}
