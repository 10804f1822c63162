using BioDapr.Contracts.Vitals;

namespace BioDapr.Contracts.Events;

/// <summary>
/// A cell's vital signs for one window (topic <see cref="Topics.Vitals"/>, type <see cref="Type"/>): what every
/// cell publishes each window and the cortex reads, the one contract of the control loop.
/// </summary>
/// <param name="Cell">The cell (its app id).</param>
/// <param name="InFlight">Requests the cell was serving when the window closed.</param>
/// <param name="Windows">One window per pathway and per endpoint.</param>
public sealed record VitalsReported(string Cell, int InFlight, IReadOnlyList<VitalsWindow> Windows)
{
    /// <summary>The CloudEvent type.</summary>
    public const string Type = "biodapr.vitals.v1";
}
