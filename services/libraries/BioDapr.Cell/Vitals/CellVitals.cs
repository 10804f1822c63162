using System.Collections.Concurrent;
using BioDapr.Pathways.Vitals;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cell.Vitals;

/// <summary>
/// The vital-sign recorders of this cell: one per outbound pathway and one per inbound endpoint, each
/// collecting a fixed window (calls, outcomes by kind, latency percentiles, in-flight, retries,
/// queueing) that <see cref="VitalsPublisher"/> closes and publishes.
/// </summary>
public sealed class CellVitals(string cell, TimeProvider time)
{
    private readonly ConcurrentDictionary<(VitalsKind Kind, string Name), VitalsRecorder> _recorders = new();
    private readonly ConcurrentDictionary<(VitalsKind Kind, string Name), Func<int>> _limits = new();

    /// <summary>The cell name the windows carry.</summary>
    public string Cell { get; } = cell;

    /// <summary>The latency SLO new recorders count "good" calls against, in milliseconds.</summary>
    public double SloMs { get; set; } = 250;

    /// <summary>The recorder of a pathway or endpoint (created on first use).</summary>
    public VitalsRecorder For(VitalsKind kind, string name) =>
        _recorders.GetOrAdd((kind, name), key => new VitalsRecorder(Cell, key.Name, key.Kind, time.GetUtcNow(), SloMs));

    /// <summary>Every recorder, for closing windows.</summary>
    public IReadOnlyCollection<VitalsRecorder> Recorders => [.. _recorders.Values];

    /// <summary>Registers where the concurrency limit in force of a pathway or endpoint is read when its window closes.</summary>
    public void ReportLimit(VitalsKind kind, string name, Func<int> limit) => _limits[(kind, name)] = limit;

    /// <summary>The limit in force for <paramref name="recorder"/> (0 when none was registered).</summary>
    public int LimitOf(VitalsRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        return _limits.TryGetValue((recorder.Kind, recorder.Name), out var limit) ? limit() : 0;
    }
}
