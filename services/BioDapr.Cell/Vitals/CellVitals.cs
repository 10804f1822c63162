using System.Collections.Concurrent;
using BioDapr.Pathways.Vitals;

namespace BioDapr.Cell.Vitals;

/// <summary>
/// The vital-sign recorders of this cell: one per outbound pathway and one per inbound endpoint, each
/// collecting a fixed window (calls, outcomes by kind, latency percentiles, in-flight, retries,
/// queueing) that <see cref="VitalsPublisher"/> closes and publishes.
/// </summary>
public sealed class CellVitals(string cell, TimeProvider time)
{
    private readonly ConcurrentDictionary<(VitalsKind Kind, string Name), VitalsRecorder> _recorders = new();

    /// <summary>The cell name the windows carry.</summary>
    public string Cell { get; } = cell;

    /// <summary>The latency SLO new recorders count "good" calls against, in milliseconds.</summary>
    public double SloMs { get; set; } = 250;

    /// <summary>The recorder of a pathway or endpoint (created on first use).</summary>
    public VitalsRecorder For(VitalsKind kind, string name) =>
        _recorders.GetOrAdd((kind, name), key => new VitalsRecorder(Cell, key.Name, key.Kind, time.GetUtcNow(), SloMs));

    /// <summary>Every recorder, for closing windows.</summary>
    public IReadOnlyCollection<VitalsRecorder> Recorders => [.. _recorders.Values];
}
