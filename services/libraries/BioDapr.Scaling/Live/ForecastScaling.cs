using System.Collections.Concurrent;
using BioDapr.Control.Replicas;
using BioDapr.Scaling.Forecasting;
using BioDapr.Scaling.Policies;

namespace BioDapr.Scaling.Live;

/// <summary>What the live scaling loop does: the cells it decides for, those it never applies, the policy's settings.</summary>
public sealed record ForecastScalingSettings
{
    /// <summary>The cells decided for (the scaled apps).</summary>
    public required IReadOnlyList<string> Cells { get; init; }

    /// <summary>Cells whose decision is published but never applied through the runner (the gateway: its public port is fixed, one replica).</summary>
    public IReadOnlyList<string> NotApplied { get; init; } = [];

    /// <summary>The predictive policy's settings (capacity model, cold start, period, min/max bounds); one policy per cell.</summary>
    public required PredictiveSettings Policy { get; init; }

    /// <summary>Buckets of forecast a decision looks at.</summary>
    public int Horizon { get; init; } = 3;

    /// <summary>
    /// The span the observed load (arrival rate, backlog, utilisation) is measured over; null: one period. Longer than a
    /// short period (compressed time) so a load is not read from one or two one-second vitals windows.
    /// </summary>
    public TimeSpan? ObservedWindow { get; init; }
}

/// <summary>What <see cref="ForecastScaling.Seed"/> did: the buckets taken, whether the trained forecaster was kept (the same history, moved in time), the cold start in force.</summary>
public sealed record SeedResult(string AppId, int Buckets, DateTimeOffset FirstBucket, DateTimeOffset LastBucket, bool ForecasterKept, TimeSpan? ColdStart);

/// <summary>The outcome of one step of the loop.</summary>
/// <param name="Retrained">Cells whose forecaster was retrained in this step.</param>
/// <param name="Decisions">The decisions of this step (cells with no vitals yet have none).</param>
/// <param name="Problems">What went wrong (runner unreachable, a bucket rejected), in plain words.</param>
public sealed record ScalingStep(IReadOnlyList<string> Retrained, IReadOnlyList<CellDecision> Decisions, IReadOnlyList<string> Problems);

/// <summary>
/// The cortex's live scaling, one <see cref="StepAsync"/> per policy period: hand the completed arrival buckets of
/// <see cref="ArrivalBook"/> to <see cref="CellForecasts"/>, retrain the forecasters that are due, then let each
/// cell's predictive policy decide (a <see cref="CellScaler"/> per cell) and, when a runner is present, apply the
/// count (never for <see cref="ForecastScalingSettings.NotApplied"/>). The latest decision per cell is kept for
/// the desired-replicas endpoint.
/// </summary>
public sealed class ForecastScaling
{
    private readonly ForecastScalingSettings _settings;
    private readonly CellForecasts _forecasts;
    private readonly ArrivalBook _book;
    private readonly IReplicaScaler? _scaler;
    private readonly Dictionary<string, CellScaler> _cells;
    private readonly ConcurrentDictionary<string, CellDecision> _decisions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _seeds = new(StringComparer.Ordinal);

    /// <param name="settings">Cells, exclusions, policy.</param>
    /// <param name="forecasts">The per-cell forecasters.</param>
    /// <param name="book">The arrivals counted from vitals.</param>
    /// <param name="scaler">The runner's replica API, or null when no runner started this process.</param>
    /// <param name="options">Bucket size of the forecasters.</param>
    /// <param name="time">The clock.</param>
    public ForecastScaling(ForecastScalingSettings settings, CellForecasts forecasts, ArrivalBook book, IReplicaScaler? scaler, CellForecastOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Policy.MinReplicas < 1 || settings.Policy.MaxReplicas < settings.Policy.MinReplicas)
        {
            throw new ArgumentException($"replica bounds must satisfy 1 <= min <= max, got min {settings.Policy.MinReplicas}, max {settings.Policy.MaxReplicas}", nameof(settings));
        }

        _settings = settings;
        _forecasts = forecasts;
        _book = book;
        _scaler = scaler;
        _cells = settings.Cells.Distinct(StringComparer.Ordinal).ToDictionary(
            c => c,
            c => new CellScaler(c, new PredictivePolicy(settings.Policy), scaler, forecasts, options, time, settings.Horizon),
            StringComparer.Ordinal);
    }

    /// <summary>Whether decisions are applied through a runner.</summary>
    public bool Applies => _scaler is not null;

    /// <summary>The latest decision for <paramref name="cell"/>, or null before its first vitals.</summary>
    public CellDecision? Latest(string cell) => _decisions.GetValueOrDefault(cell);

    /// <summary>Whether <paramref name="cell"/> is one the loop decides for.</summary>
    public bool Decides(string cell) => _cells.ContainsKey(cell);

    /// <summary>
    /// Gives <paramref name="cell"/> a history it was not there to see (<see cref="CellForecasts.Seed"/>) and, when
    /// known, its measured cold start; recording from vitals resumes after the last seeded bucket (windows for seeded
    /// buckets are late, <see cref="ArrivalBook.HandOverUntil"/>). A new history drops the forecaster and the latest
    /// decision (it was made on another history); the next step trains and decides again.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown cell or a bad history, with what is wrong.</exception>
    public SeedResult Seed(string cell, DateTimeOffset firstBucket, IReadOnlyList<double> arrivals, int? phase, TimeSpan? coldStart)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        if (!_cells.TryGetValue(cell, out var scaler))
        {
            throw new ArgumentException($"the scaling loop decides for {string.Join(", ", _cells.Keys)}, not '{cell}'", nameof(cell));
        }

        if (coldStart is { } c && (c < TimeSpan.Zero || c > TimeSpan.FromHours(1)))
        {
            throw new ArgumentException($"cell '{cell}': a cold start must be 0 to 3600 s, got {c.TotalSeconds} s", nameof(coldStart));
        }

        var kept = _forecasts.Seed(cell, firstBucket, arrivals, phase);
        var last = _forecasts.LastBucket(cell)!.Value;
        _book.HandOverUntil(cell, last);
        _seeds.AddOrUpdate(cell, 1, (_, n) => n + 1);
        if (!kept)
        {
            _decisions.TryRemove(cell, out _);
        }

        if (coldStart is not null)
        {
            scaler.ColdStart = coldStart;
        }

        return new SeedResult(cell, arrivals.Count, firstBucket, last, kept, scaler.ColdStart);
    }

    /// <summary>One period: record, retrain, decide, apply.</summary>
    public async Task<ScalingStep> StepAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var (cell, start, arrivals) in _book.TakeCompleted())
        {
            try
            {
                _forecasts.Record(cell, start, arrivals);
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message);
            }
        }

        var retrained = _forecasts.RetrainDue();
        IReadOnlyList<CellReplicas>? running = null;
        if (_scaler is not null)
        {
            try
            {
                running = await _scaler.ListAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ReplicaScalingException ex)
            {
                problems.Add($"replicas not applied this period: {ex.Message}");
            }
        }

        var decisions = new List<CellDecision>();
        foreach (var (cell, scaler) in _cells)
        {
            if (!_book.Seen(cell))
            {
                continue;
            }

            var seeded = _seeds.GetValueOrDefault(cell);
            var current = _settings.NotApplied.Contains(cell, StringComparer.Ordinal) ? null : running?.FirstOrDefault(r => r.AppId == cell);
            var decision = await scaler.StepAsync(_book.Load(cell, _settings.ObservedWindow ?? _settings.Policy.Period), current, cancellationToken).ConfigureAwait(false);
            if (decision.Error is { } error)
            {
                problems.Add($"cell '{cell}': scale to {decision.Replicas} refused: {error}");
            }

            // A history seeded meanwhile made this decision stale for the endpoint: the next step's stands.
            if (_seeds.GetValueOrDefault(cell) == seeded)
            {
                _decisions[cell] = decision;
            }

            decisions.Add(decision);
        }

        return new ScalingStep(retrained, decisions, problems);
    }
}
