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
        List<(string Cell, RateSeries Series, int Generation)> due;
        lock (_lock)
        {
            due = [.. _cells
                .Where(c => c.Value.History.Count >= MinimumHistory && (c.Value.TrainedAt is null || now - c.Value.TrainedAt >= TimeSpan.FromMinutes(options.RetrainMinutes)))
                .Select(c => (c.Key, new RateSeries([.. c.Value.History], options.SeasonLength, c.Value.Phase), c.Value.Generation))];
        }

        var retrained = new List<string>();
        foreach (var (cell, series, generation) in due)
        {
            var forecaster = factory();
            forecaster.Fit(series, series.Values.Length);
            lock (_lock)
            {
                var state = _cells[cell];
                if (state.Generation != generation)
                {
                    // The history was replaced (Seed) while this one trained on the old one: not installed; the next call trains on the new.
                    (forecaster as IDisposable)?.Dispose();
                    continue;
                }

                (state.Forecaster as IDisposable)?.Dispose();
                state.Forecaster = forecaster;
                state.TrainedAt = now;
                retrained.Add(cell);
            }
        }

        return retrained;
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

    /// <summary>
    /// Replaces <paramref name="cell"/>'s history with <paramref name="arrivals"/>, consecutive buckets from
    /// <paramref name="firstBucket"/> (aligned to the bucket size): what the cortex should know of a cell it has not
    /// watched (a new cortex, or history kept elsewhere). <paramref name="phase"/> is the first bucket's place in the
    /// season (its time of day) when the history comes from another clock (a replayed trace); by default it follows from
    /// <paramref name="firstBucket"/>. Recording continues after the last seeded bucket. When the values differ from the
    /// history held, the forecaster is dropped (it learned another history) and the next <see cref="RetrainDue"/> trains
    /// one; when they are the same (the history only moved in time) it is kept. Returns whether it was kept.
    /// </summary>
    public bool Seed(string cell, DateTimeOffset firstBucket, IReadOnlyList<double> arrivals, int? phase = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cell);
        ArgumentNullException.ThrowIfNull(arrivals);
        var bucket = TimeSpan.FromSeconds(options.BucketSeconds);
        var limit = options.HistoryDays * options.SeasonLength;
        if (firstBucket.UtcTicks % bucket.Ticks != 0)
        {
            throw new ArgumentException($"cell '{cell}': first bucket {firstBucket:O} is not aligned to {options.BucketSeconds} s buckets", nameof(firstBucket));
        }

        if (arrivals.Count == 0 || arrivals.Count > limit)
        {
            throw new ArgumentException($"cell '{cell}': a history holds 1 to {limit} buckets ({options.HistoryDays} days of {options.SeasonLength}), got {arrivals.Count}", nameof(arrivals));
        }

        for (var i = 0; i < arrivals.Count; i++)
        {
            if (!double.IsFinite(arrivals[i]) || arrivals[i] < 0)
            {
                throw new ArgumentException($"cell '{cell}': bucket {i} of the history is {arrivals[i]}; an arrival count must be finite and >= 0", nameof(arrivals));
            }
        }

        if (phase is < 0 || phase >= options.SeasonLength)
        {
            throw new ArgumentException($"cell '{cell}': phase {phase} is outside the season's 0..{options.SeasonLength - 1} buckets", nameof(phase));
        }

        lock (_lock)
        {
            var startPhase = phase ?? PhaseOf(firstBucket);
            if (!_cells.TryGetValue(cell, out var state))
            {
                state = new CellState(startPhase);
                _cells[cell] = state;
            }

            var same = state.Phase == startPhase && state.History.SequenceEqual(arrivals);
            if (!same)
            {
                (state.Forecaster as IDisposable)?.Dispose();
                state.Forecaster = null;
                state.TrainedAt = null;
                state.History.Clear();
                state.History.AddRange(arrivals);
                state.Phase = startPhase;
            }

            state.Generation++;
            state.LastBucket = firstBucket + ((arrivals.Count - 1) * bucket);
            return same && state.Forecaster is not null;
        }
    }

    /// <summary>The start of the last bucket recorded (or seeded) for <paramref name="cell"/>; null before the first.</summary>
    public DateTimeOffset? LastBucket(string cell)
    {
        lock (_lock)
        {
            return _cells.TryGetValue(cell, out var state) ? state.LastBucket : null;
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

    // The bucket's place in the season; with the default one-day season, its time of day (days are whole buckets since 0001-01-01).
    private int PhaseOf(DateTimeOffset bucketStart) => (int)(bucketStart.UtcTicks / TimeSpan.FromSeconds(options.BucketSeconds).Ticks % options.SeasonLength);

    private sealed class CellState(int phase)
    {
        public List<double> History { get; } = [];

        public int Phase { get; set; } = phase;

        public IForecaster? Forecaster { get; set; }

        public DateTimeOffset? TrainedAt { get; set; }

        public DateTimeOffset? LastBucket { get; set; }

        // Bumped by each Seed: a training that started on an older history is not installed.
        public int Generation { get; set; }
    }
}
