using System.Diagnostics;

namespace BioDapr.Cell.Telemetry;

/// <summary>
/// The names under which a cell's own telemetry is published: the activity source of the synaptic pathways
/// (one span per pathway call, around its attempts, retries and hedges) and the vitals meter.
/// </summary>
public static class CellTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name of the pathways' spans.</summary>
    public const string PathwaysSourceName = "BioDapr.Pathways";

    /// <summary>The meter name of the vital signs (calls by outcome, window p99, retries).</summary>
    public const string VitalsMeterName = "BioDapr.Vitals";

    /// <summary>The pathways' activity source.</summary>
    internal static readonly ActivitySource Pathways = new(PathwaysSourceName);
}
