using BioDapr.Control.Learning;
using BioDapr.Scaling.Traces;
using TorchSharp;
using static TorchSharp.torch;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// The per-cell forecaster on TorchSharp: a quantile GRU (<see cref="QuantileGruNetwork"/>) trained with Adam on
/// the pinball loss, in log space (log(1 + count), standardised on the training period), so its quantiles are
/// quantiles of the count. The 80 % interval is then calibrated on the last <see cref="QuantileGruOptions.CalibrationBuckets"/>
/// of the training period, which the gradient steps never see (conformalised quantile regression: the interval
/// is widened or narrowed per horizon by the 80 % quantile of the calibration conformity scores).
/// Seeded: one seed gives the same weights and forecasts (the cortex agent's reproducible TorchSharp set-up).
/// </summary>
public sealed class QuantileGruForecaster : IForecaster, IDisposable
{
    private readonly QuantileGruOptions _options;
    private QuantileGruNetwork? _network;
    private double _mean;
    private double _std = 1;
    private double[] _calibration = [];

    /// <summary>Creates an untrained forecaster.</summary>
    public QuantileGruForecaster(QuantileGruOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxHorizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Window, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.LearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(options.CalibrationBuckets);
        _options = options;
    }

    /// <inheritdoc />
    public string Name => "quantile-gru";

    /// <inheritdoc />
    public int MaxHorizon => _options.MaxHorizon;

    /// <summary>Mean training loss (pinball, log space) of every epoch, in order.</summary>
    public IReadOnlyList<double> TrainingLosses { get; private set; } = [];

    /// <summary>Per horizon, how much calibration moved each interval bound (log space; positive = widened).</summary>
    public IReadOnlyList<double> CalibrationOffsets => _calibration;

    /// <inheritdoc />
    public void Fit(RateSeries series, int trainEnd)
    {
        ArgumentNullException.ThrowIfNull(series);
        var m = series.SeasonLength;
        var h = _options.MaxHorizon;
        var calibration = _options.CalibrationBuckets > 0 ? _options.CalibrationBuckets : m;
        var first = Math.Max(m, _options.Window);
        var fitEnd = trainEnd - calibration;
        if (trainEnd > series.Values.Length || fitEnd - h - first < _options.BatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(trainEnd), $"training needs one season ({m}) of history, {calibration} calibration buckets and at least {_options.BatchSize} samples within the series ({series.Values.Length}); got trainEnd {trainEnd}");
        }

        PolicyNetwork.Reproducible();
        torch.set_num_threads(1);
        var logs = series.Values.AsSpan(0, fitEnd).ToArray().Select(v => Math.Log(1 + v)).ToArray();
        _mean = logs.Average();
        _std = Math.Max(1e-6, Math.Sqrt(logs.Select(v => (v - _mean) * (v - _mean)).Average()));

        _network?.Dispose();
        torch.manual_seed(_options.Seed);
        _network = new QuantileGruNetwork(h, _options.Hidden);
        var origins = Enumerable.Range(first, fitEnd - h + 1 - first).ToArray();
        var (sequences, statics, targets) = Samples(series, origins);
        var random = new Random(_options.Seed);
        var losses = new List<double>(_options.Epochs);
        using (var optimizer = torch.optim.Adam(_network.parameters(), _options.LearningRate))
        {
            _network.train();
            for (var epoch = 0; epoch < _options.Epochs; epoch++)
            {
                random.Shuffle(origins.AsSpan());
                var order = origins.Select(o => o - first).ToArray();
                var sum = 0.0;
                var batches = 0;
                for (var start = 0; start < order.Length; start += _options.BatchSize)
                {
                    using var scope = torch.NewDisposeScope();
                    var index = torch.tensor(order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start)).ToArray().Select(i => (long)i).ToArray());
                    optimizer.zero_grad();
                    var output = _network.forward(sequences.index_select(0, index), statics.index_select(0, index));
                    var loss = QuantileGruNetwork.PinballLoss(output, targets.index_select(0, index));
                    loss.backward();
                    optimizer.step();
                    sum += loss.item<float>();
                    batches++;
                }

                losses.Add(sum / batches);
            }
        }

        sequences.Dispose();
        statics.Dispose();
        targets.Dispose();
        _network.eval();
        TrainingLosses = losses;
        Calibrate(series, fitEnd, trainEnd);
    }

    /// <inheritdoc />
    public Forecast Predict(RateSeries series, int origin, int horizon)
    {
        ArgumentNullException.ThrowIfNull(series);
        ForecastGuard.Check(_network is not null, Name, series, origin, horizon, MaxHorizon);
        if (origin < _options.Window)
        {
            throw new ArgumentOutOfRangeException(nameof(origin), $"origin {origin} needs {_options.Window} buckets of history");
        }

        var raw = RawQuantiles(series, [origin])[0];
        var median = new double[horizon];
        var lower = new double[horizon];
        var upper = new double[horizon];
        for (var k = 0; k < horizon; k++)
        {
            median[k] = FromLog(raw[k, 1]);
            lower[k] = Math.Min(median[k], FromLog(raw[k, 0] - _calibration[k]));
            upper[k] = Math.Max(median[k], FromLog(raw[k, 2] + _calibration[k]));
        }

        return new Forecast(median, lower, upper);
    }

    /// <inheritdoc />
    public void Dispose() => _network?.Dispose();

    private void Calibrate(RateSeries series, int fitEnd, int trainEnd)
    {
        var h = _options.MaxHorizon;
        var origins = Enumerable.Range(fitEnd, Math.Max(0, trainEnd - h + 1 - fitEnd)).ToArray();
        _calibration = new double[h];
        if (origins.Length == 0)
        {
            return;
        }

        var raw = RawQuantiles(series, origins);
        for (var k = 0; k < h; k++)
        {
            var scores = new List<double>(origins.Length);
            for (var i = 0; i < origins.Length; i++)
            {
                var actual = ToLog(series.Values[origins[i] + k]);
                scores.Add(Math.Max(raw[i][k, 0] - actual, actual - raw[i][k, 2]));
            }

            // The finite-sample conformal level: ceil((n + 1) * 0.8) / n.
            var level = Math.Min(1, Math.Ceiling((scores.Count + 1) * 0.8) / scores.Count);
            _calibration[k] = ForecastMetrics.Quantile(scores, level);
        }
    }

    // Quantiles (10 %, 50 %, 90 %) in log space, per origin: [horizon, 3].
    private double[][,] RawQuantiles(RateSeries series, int[] origins)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (sequences, statics, _) = Samples(series, origins, withTargets: false);
        var output = _network!.forward(sequences, statics);
        var values = output.data<float>().ToArray();
        var h = _options.MaxHorizon;
        var result = new double[origins.Length][,];
        for (var i = 0; i < origins.Length; i++)
        {
            result[i] = new double[h, 3];
            for (var k = 0; k < h; k++)
            {
                for (var q = 0; q < 3; q++)
                {
                    result[i][k, q] = (values[(((i * h) + k) * 3) + q] * _std) + _mean;
                }
            }
        }

        return result;
    }

    private (Tensor Sequences, Tensor Statics, Tensor Targets) Samples(RateSeries series, int[] origins, bool withTargets = true)
    {
        var w = _options.Window;
        var h = _options.MaxHorizon;
        var m = series.SeasonLength;
        var staticCount = QuantileGruNetwork.StaticFeatures(h);
        var sequence = new float[origins.Length * w * QuantileGruNetwork.StepFeatures];
        var statics = new float[origins.Length * staticCount];
        var targets = new float[withTargets ? origins.Length * h : 0];
        for (var i = 0; i < origins.Length; i++)
        {
            var origin = origins[i];
            for (var j = 0; j < w; j++)
            {
                var t = origin - w + j;
                var at = ((i * w) + j) * QuantileGruNetwork.StepFeatures;
                sequence[at] = Normalised(series.Values[t]);
                (sequence[at + 1], sequence[at + 2]) = TimeOfDay(series, t);
            }

            for (var k = 0; k < h; k++)
            {
                statics[(i * staticCount) + k] = Normalised(series.Values[origin + k - m]);
                if (withTargets)
                {
                    targets[(i * h) + k] = Normalised(series.Values[origin + k]);
                }
            }

            (statics[(i * staticCount) + h], statics[(i * staticCount) + h + 1]) = TimeOfDay(series, origin);
        }

        return (
            torch.tensor(sequence, [origins.Length, w, QuantileGruNetwork.StepFeatures]),
            torch.tensor(statics, [origins.Length, staticCount]),
            torch.tensor(targets, [withTargets ? origins.Length : 0, h]));
    }

    private static (float Sin, float Cos) TimeOfDay(RateSeries series, int t)
    {
        var angle = 2 * Math.PI * series.Phase(t) / series.SeasonLength;
        return ((float)Math.Sin(angle), (float)Math.Cos(angle));
    }

    private float Normalised(double count) => (float)((ToLog(count) - _mean) / _std);

    private static double ToLog(double count) => Math.Log(1 + count);

    private static double FromLog(double log) => Math.Max(0, Math.Exp(log) - 1);
}
