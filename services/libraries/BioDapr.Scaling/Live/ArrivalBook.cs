using BioDapr.Scaling.Forecasting;

namespace BioDapr.Scaling.Live;

/// <summary>
/// Counts each cell's arrivals from the vitals windows the cortex receives: per bucket (for the forecaster;
/// a bucket is handed over once, after it has ended plus <see cref="Grace"/>, so late windows of every replica
/// still count) and over the last decision period (the observed load a policy sees). Every replica of a cell
/// reports its own windows; they add up. A window that arrives after its bucket was handed over is counted
/// in <see cref="Late"/> and not recorded (a bucket is recorded once). Thread-safe.
/// </summary>
public sealed class ArrivalBook(CellForecastOptions options, TimeProvider time)
{
    private readonly Dictionary<string, CellBook> _cells = new(StringComparer.Ordinal);
    private static readonly TimeSpan RecentKept = TimeSpan.FromMinutes(10);
    private readonly Lock _lock = new();

    /// <summary>How long after its end a bucket waits for late windows before it is handed over.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Windows dropped because their bucket had already been handed over.</summary>
    public long Late { get; private set; }

    /// <summary>Adds one endpoint window of <paramref name="cell"/>: <paramref name="calls"/> arrivals that ended at <paramref name="end"/>, with its requests waiting and its utilisation.</summary>
    public void Add(string cell, DateTimeOffset end, long calls, int queued, double utilisation)
    {
        ArgumentException.ThrowIfNullOrEmpty(cell);
        if (calls < 0 || queued < 0 || !double.IsFinite(utilisation))
        {
            throw new ArgumentOutOfRangeException(nameof(calls), $"cell '{cell}': calls ({calls}) and queued ({queued}) must be >= 0 and utilisation finite ({utilisation})");
        }

        // A window's calls arrived before its end: one ending on a bucket boundary belongs to the bucket before.
        var bucket = BucketOf(end - TimeSpan.FromTicks(1));
        lock (_lock)
        {
            if (!_cells.TryGetValue(cell, out var book))
            {
                book = new CellBook();
                _cells[cell] = book;
            }

            if (book.HandedOver is { } last && bucket <= last)
            {
                Late++;
                return;
            }

            book.Buckets[bucket] = book.Buckets.GetValueOrDefault(bucket) + calls;
            book.Recent.Enqueue(new Sample(end, calls, queued, utilisation));
            while (book.Recent.Peek().End < end - RecentKept)
            {
                book.Recent.Dequeue();
            }
        }
    }

    /// <summary>Whether any window of <paramref name="cell"/> has been seen.</summary>
    public bool Seen(string cell)
    {
        lock (_lock)
        {
            return _cells.ContainsKey(cell);
        }
    }

    /// <summary>
    /// Hands over every bucket that ended at least <see cref="Grace"/> ago, oldest first per cell, for
    /// <see cref="CellForecasts.Record"/>. Each bucket is returned once.
    /// </summary>
    public IReadOnlyList<(string Cell, DateTimeOffset BucketStart, double Arrivals)> TakeCompleted()
    {
        var now = time.GetUtcNow();
        var size = TimeSpan.FromSeconds(options.BucketSeconds);
        var done = new List<(string, DateTimeOffset, double)>();
        lock (_lock)
        {
            foreach (var (cell, book) in _cells)
            {
                foreach (var start in book.Buckets.Keys.Where(s => s + size + Grace <= now).Order().ToList())
                {
                    done.Add((cell, start, book.Buckets[start]));
                    book.Buckets.Remove(start);
                    book.HandedOver = start;
                }
            }
        }

        return done;
    }

    /// <summary>
    /// Marks every bucket of <paramref name="cell"/> up to the one starting at <paramref name="lastBucket"/> as handed
    /// over (their history came from elsewhere: <see cref="CellForecasts.Seed"/>): counts held for them are dropped and
    /// windows that still arrive for them are <see cref="Late"/>. Recording goes on from the next bucket.
    /// </summary>
    public void HandOverUntil(string cell, DateTimeOffset lastBucket)
    {
        ArgumentException.ThrowIfNullOrEmpty(cell);
        lock (_lock)
        {
            if (!_cells.TryGetValue(cell, out var book))
            {
                book = new CellBook();
                _cells[cell] = book;
            }

            foreach (var start in book.Buckets.Keys.Where(s => s <= lastBucket).ToList())
            {
                book.Buckets.Remove(start);
            }

            book.HandedOver = lastBucket;
        }
    }

    /// <summary>
    /// <paramref name="cell"/>'s load over <paramref name="span"/>: arrivals per second (all replicas), the largest
    /// backlog a window reported, the mean utilisation; zero load when nothing arrived within the span. The span ends at
    /// the newest window received, not now: windows reach the cortex some time after they close (pub/sub delivery), and
    /// a span ending now would miss that time's arrivals; with a span of a few windows (a period of 0.5 s against 1 s
    /// windows, in compressed time) that undercount was most of the load.
    /// </summary>
    public CellLoad Load(string cell, TimeSpan span)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_cells.TryGetValue(cell, out var book) || book.Recent.Count == 0)
            {
                return new CellLoad(0, 0, 0);
            }

            var newest = book.Recent.Max(s => s.End);
            var end = newest < now ? newest : now;
            if (end <= now - span)
            {
                return new CellLoad(0, 0, 0);
            }

            var since = end - span;
            while (book.Recent.Count > 0 && book.Recent.Peek().End <= since)
            {
                book.Recent.Dequeue();
            }

            var counted = book.Recent.Where(s => s.End > since && s.End <= end).ToList();
            return counted.Count == 0
                ? new CellLoad(0, 0, 0)
                : new CellLoad(counted.Average(s => s.Utilisation), counted.Sum(s => s.Calls) / span.TotalSeconds, counted.Max(s => s.Queued));
        }
    }

    private DateTimeOffset BucketOf(DateTimeOffset at)
    {
        var size = TimeSpan.FromSeconds(options.BucketSeconds).Ticks;
        return new DateTimeOffset(at.UtcTicks - (at.UtcTicks % size), TimeSpan.Zero);
    }

    private readonly record struct Sample(DateTimeOffset End, long Calls, int Queued, double Utilisation);

    private sealed class CellBook
    {
        public Dictionary<DateTimeOffset, double> Buckets { get; } = [];

        public Queue<Sample> Recent { get; } = new();

        public DateTimeOffset? HandedOver { get; set; }
    }
}
