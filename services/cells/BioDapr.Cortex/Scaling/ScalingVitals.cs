using BioDapr.Contracts.Events;
using BioDapr.Contracts.Vitals;
using BioDapr.Scaling.Live;

namespace BioDapr.Cortex.Scaling;

/// <summary>
/// Feeds the arrivals of each vitals report to the live scaling loop's <see cref="ArrivalBook"/>: a cell's
/// endpoint windows (what it was asked to do) are its arrivals. Does nothing while scaling is off (no book).
/// </summary>
public sealed class ScalingVitals(ArrivalBook? book)
{
    /// <summary>Counts the endpoint windows of <paramref name="vitals"/>.</summary>
    public void Observe(VitalsReported vitals)
    {
        ArgumentNullException.ThrowIfNull(vitals);
        if (book is null || string.IsNullOrEmpty(vitals.Cell) || vitals.Windows is null)
        {
            return;
        }

        foreach (var window in vitals.Windows.Where(w => w is { Kind: VitalsKind.Endpoint } && w.Calls >= 0 && w.Queued >= 0))
        {
            book.Add(vitals.Cell, window.End, window.Calls, window.Queued, window.Limit > 0 ? (double)window.InFlight / window.Limit : 0);
        }
    }
}
