using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// One forecaster per cell, retrained on a schedule: the API the cortex calls. It records each cell's completed
/// arrival buckets (<see cref="Record"/>), retrains a cell's forecaster when its interval has passed and enough
/// history exists (<see cref="RetrainDue"/>, called periodically by the cortex's background loop), and answers
/// forecasts from the last trained model (<see cref="Forecast"/>). Thread-safe; training runs on the caller's thread.
/// </summary>
public sealed class CellForecasts(Func<IForecaster> factory, CellForecastOptions options, TimeProvider time)
{
    private readonly Dictionary<string, CellState> _cells = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Buckets of history a cell needs before its first training: two days (one season of lags plus one to learn and calibrate on).</summary>
    public int MinimumHistory => 2 * options.SeasonLength;

    /// <summary>
    /// Appends a completed bucket's arrival count for <paramref name="cell"/>, stamped with the bucket's start
    /// (aligned to the bucket size). A bucket recorded twice or out of order is rejected (nothing counted twice);
    /// buckets skipped since the last one (a cortex outage) are filled by linear interpolation so the time of day
    /// of every bucket stays right.
    /// </summary>
    public void Record(string cell, DateTimeOffset bucketStart, double arrivals)
    {
        ArgumentException.ThrowIfNullOrEmpty(cell);
        if (!double.IsFinite(arrivals) || arrivals < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(arrivals), $"cell '{cell}': an arrival count must be finite and >= 0, got {arrivals}");
        }

        var bucket = TimeSpan.FromSeconds(options.BucketSeconds);
        if (bucketStart.UtcTicks % bucket.Ticks != 0)
        {
            throw new ArgumentException($"cell '{cell}': bucket start {bucketStart:O} is not aligned to {options.BucketSeconds} s buckets", nameof(bucketStart));
        }

        lock (_lock)
        {
            if (!_cells.TryGetValue(cell, out var state))
            {
                state = new CellState(PhaseOf(bucketStart));
                _cells[cell] = state;
            }
            else if (bucketStart <= state.LastBucket)
            {
                throw new ArgumentException($"cell '{cell}': bucket {bucketStart:O} is not after the last recorded one ({state.LastBucket:O}); a bucket is recorded once, in order", nameof(bucketStart));
            }
            else
            {
                var missing = (int)((bucketStart - state.LastBucket!.Value) / bucket) - 1;
                var last = state.History[^1];
                for (var k = 1; k <= missing; k++)
                {
                    state.History.Add(last + ((arrivals - last) * k / (missing + 1)));
                }
            }

            state.History.Add(arrivals);
            state.LastBucket = bucketStart;
            var limit = options.HistoryDays * options.SeasonLength;
            if (state.History.Count > limit)
            {
                var drop = state.History.Count - limit;
                state.History.RemoveRange(0, drop);
                state.Phase = (state.Phase + drop) % options.SeasonLength;
            }
        }
    }

    /// <summary>Retrains every cell whose interval has passed and that has enough history; returns the cells retrained.</summary>
    public IReadOnlyList<string> RetrainDue()
    {
        var now = time.GetUtcNow();
        List<(string Cell, RateSeries Series)> due;
        lock (_lock)
        {
            due = [.. _cells
                .Where(c => c.Value.History.Count >= MinimumHistory && (c.Value.TrainedAt is null || now - c.Value.TrainedAt >= TimeSpan.FromMinutes(options.RetrainMinutes)))
                .Select(c => (c.Key, new RateSeries([.. c.Value.History], options.SeasonLength, c.Value.Phase)))];
        }

        foreach (var (cell, series) in due)
        {
            var forecaster = factory();
            forecaster.Fit(series, series.Values.Length);
            lock (_lock)
            {
                var state = _cells[cell];
                (state.Forecaster as IDisposable)?.Dispose();
                state.Forecaster = forecaster;
                state.TrainedAt = now;
            }
        }

        return [.. due.Select(d => d.Cell)];
    }

    /// <summary>The next <paramref name="horizon"/> buckets of <paramref name="cell"/>, or null while it has no trained forecaster.</summary>
    public Forecast? Forecast(string cell, int horizon)
    {
        lock (_lock)
        {
            if (!_cells.TryGetValue(cell, out var state) || state.Forecaster is null)
            {
                return null;
            }

            var series = new RateSeries([.. state.History], options.SeasonLength, state.Phase);
            return state.Forecaster.Predict(series, series.Values.Length, horizon);
        }
    }

    /// <summary>When <paramref name="cell"/>'s forecaster was last trained (null: never).</summary>
    public DateTimeOffset? TrainedAt(string cell)
    {
        lock (_lock)
        {
            return _cells.TryGetValue(cell, out var state) ? state.TrainedAt : null;
        }
    }

    private int PhaseOf(DateTimeOffset bucketStart) => (int)(bucketStart.UtcDateTime.TimeOfDay.TotalSeconds / options.BucketSeconds);

    private sealed class CellState(int phase)
    {
        public List<double> History { get; } = [];

        public int Phase { get; set; } = phase;

        public IForecaster? Forecaster { get; set; }

        public DateTimeOffset? TrainedAt { get; set; }

        public DateTimeOffset? LastBucket { get; set; }
    }
}
