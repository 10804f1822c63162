using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using BioDapr.Contracts.Events;
using BioDapr.Contracts.Vitals;
using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Dashboard;

/// <summary>
/// What the organism page shows, kept in memory and pushed to every open page as server-sent events: the cells and
/// their pathways (from the vitals the cortex receives), every hormone with its origin and history (from the
/// configuration store's subscription), and the gateway's quarantines. Bounded everywhere: a fixed number of windows
/// per pathway, of changes per hormone and overall, and of events buffered per page (the oldest are dropped).
/// </summary>
public sealed class OrganismView(IOptions<DashboardOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly DashboardOptions _options = options.Value;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset At, long Calls, long ServerErrors, long Shed, string Health)> _cells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<VitalsPoint>> _pathways = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HormoneView> _hormones = new(StringComparer.Ordinal);
    private readonly LinkedList<HormoneChangeView> _changes = new();
    private readonly ConcurrentDictionary<long, Channel<SseItem<string>>> _pages = new();
    private IReadOnlyList<QuarantineView> _quarantines = [];
    private string? _immuneError;
    private long _nextPage;

    /// <summary>Open pages.</summary>
    public int Pages => _pages.Count;

    /// <summary>Records a cell's vitals: its pathways' windows for the plots and its endpoints' totals.</summary>
    public void Record(VitalsReported vitals)
    {
        ArgumentNullException.ThrowIfNull(vitals);
        var points = new List<object>();
        string health;
        (long Calls, long ServerErrors, long Shed) totals;
        lock (_gate)
        {
            long calls = 0, serverErrors = 0, shed = 0;
            var end = DateTimeOffset.MinValue;
            foreach (var window in vitals.Windows)
            {
                end = window.End > end ? window.End : end;
                if (window.Kind == VitalsKind.Endpoint)
                {
                    calls += window.Completed;
                    serverErrors += window.ServerErrors;
                    shed += window.Shed;
                    continue;
                }

                if (string.IsNullOrWhiteSpace(window.Name))
                {
                    continue;
                }

                var point = PointOf(window);
                var pathway = vitals.Cell + "→" + window.Name;
                if (!_pathways.TryGetValue(pathway, out var series))
                {
                    _pathways[pathway] = series = new Queue<VitalsPoint>();
                }

                series.Enqueue(point);
                while (series.Count > _options.HistorySeconds)
                {
                    series.Dequeue();
                }

                points.Add(new { pathway, cell = vitals.Cell, target = window.Name, point });
            }

            health = PathwayHealth.OfEndpoints(vitals.Windows);
            _cells[vitals.Cell] = (end == DateTimeOffset.MinValue ? time.GetUtcNow() : end, calls, serverErrors, shed, health);
            totals = (calls, serverErrors, shed);
        }

        Broadcast("vitals", new { cell = vitals.Cell, at = time.GetUtcNow(), totals.Calls, totals.ServerErrors, totals.Shed, health, pathways = points });
    }

    /// <summary>Replaces every hormone with what the store holds (at start, and after the subscription was re-established).</summary>
    public void LoadHormones(IEnumerable<HormoneView> hormones)
    {
        lock (_gate)
        {
            foreach (var hormone in hormones)
            {
                var history = _hormones.TryGetValue(hormone.Key, out var known) ? known.History : hormone.History;
                _hormones[hormone.Key] = hormone with { History = history };
            }
        }

        Broadcast("snapshot", Snapshot());
    }

    /// <summary>The value the page holds for <paramref name="key"/> (value and version), or null.</summary>
    public (string Value, string Version)? Hormone(string key)
    {
        lock (_gate)
        {
            return _hormones.TryGetValue(key, out var h) ? (h.Value, h.Version) : null;
        }
    }

    /// <summary>
    /// The cells whose pathogens can be switched: those with pathogen hormones in the store, and those that publish
    /// vitals (their ingress, which honours pathogens, records them), sorted.
    /// </summary>
    public IReadOnlyList<string> PathogenCells()
    {
        lock (_gate)
        {
            return [.. _hormones.Keys
                .Where(k => k.Contains(".pathogens.", StringComparison.Ordinal))
                .Select(k => k[..k.IndexOf('.', StringComparison.Ordinal)])
                .Concat(_cells.Keys)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Records a hormone change (<paramref name="value"/> null: deleted) and pushes it to every page; a repeat of the value in force is ignored.</summary>
    public void HormoneChanged(string key, string? value, string version, string by, string reason)
    {
        HormoneChangeView change;
        lock (_gate)
        {
            var known = _hormones.GetValueOrDefault(key);
            if ((known is null && value is null) || (known is not null && known.Value == value && known.Version == version))
            {
                return;
            }

            change = new HormoneChangeView(key, known?.Value, value, version, by, reason, time.GetUtcNow());
            var history = new List<HormoneChangeView>(Math.Min(_options.HormoneHistory, (known?.History.Count ?? 0) + 1)) { change };
            history.AddRange((known?.History ?? []).Take(_options.HormoneHistory - 1));
            if (value is null)
            {
                _hormones.Remove(key);
            }
            else
            {
                _hormones[key] = new HormoneView(key, value, version, by, reason, history);
            }

            _changes.AddFirst(change);
            while (_changes.Count > _options.RecentChanges)
            {
                _changes.RemoveLast();
            }
        }

        Broadcast("hormone", change);
    }

    /// <summary>Sets the quarantines in force (or why they could not be read) and pushes them when they changed.</summary>
    public void Quarantines(IReadOnlyList<QuarantineView> quarantines, string? error)
    {
        lock (_gate)
        {
            if (error == _immuneError && quarantines.SequenceEqual(_quarantines))
            {
                return;
            }

            _quarantines = quarantines;
            _immuneError = error;
        }

        Broadcast("quarantines", new { quarantines, immuneError = error });
    }

    /// <summary>Everything the page shows, now.</summary>
    public OrganismSnapshot Snapshot()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var names = _options.Cells.Concat(_cells.Keys.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal);
            var cells = names.Select(name => _cells.TryGetValue(name, out var seen)
                    ? new CellView(name, now - seen.At > TimeSpan.FromSeconds(_options.SilentAfterSeconds) ? "idle" : "active", seen.At, seen.Calls, seen.ServerErrors, seen.Shed, seen.Health)
                    : new CellView(name, _options.CellsWithoutVitals.Contains(name, StringComparer.Ordinal) ? "none" : "not seen", null, 0, 0, 0, PathwayHealth.Idle))
                .ToList();
            var pathways = _pathways
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => { var parts = p.Key.Split('→', 2); return new PathwayView(p.Key, parts[0], parts[1], [.. p.Value]); })
                .ToList();
            return new OrganismSnapshot(now, cells, pathways, [.. _hormones.Values.OrderBy(h => h.Key, StringComparer.Ordinal)], [.. _changes], _quarantines, _immuneError);
        }
    }

    /// <summary>The events for one page: the snapshot first, then every change until the page goes away.</summary>
    public async IAsyncEnumerable<SseItem<string>> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(_options.SubscriberBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var id = Interlocked.Increment(ref _nextPage);
        _pages[id] = channel;
        try
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(Snapshot(), Json), "snapshot");
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            _pages.TryRemove(id, out _);
        }
    }

    private static VitalsPoint PointOf(VitalsWindow w) => new(
        w.End.ToUnixTimeMilliseconds(),
        Math.Round(w.GoodputPerSecond, 2),
        Math.Round(w.LatencyP99Ms, 1),
        w.Limit,
        w.InFlight,
        w.Calls,
        w.Completed,
        w.Attempts,
        w.Successes,
        w.ClientErrors,
        w.ServerErrors,
        w.Timeouts,
        w.TransportErrors,
        w.BreakerOpen,
        w.Shed,
        w.Canceled,
        w.Retries,
        PathwayHealth.Of(w));

    private void Broadcast(string type, object payload)
    {
        if (_pages.IsEmpty)
        {
            return;
        }

        var item = new SseItem<string>(JsonSerializer.Serialize(payload, Json), type);
        foreach (var page in _pages.Values)
        {
            page.Writer.TryWrite(item);
        }
    }
}
