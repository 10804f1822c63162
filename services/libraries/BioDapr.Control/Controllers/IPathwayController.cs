using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Controllers;

/// <summary>
/// A policy that tunes pathways by choosing their hormones every decision interval from the last
/// window of vital signs: the same contract in the simulator and in the live cortex, which writes the
/// chosen values to the configuration store (the cells apply them on their next call).
/// </summary>
public interface IPathwayController
{
    /// <summary>A short name for reports.</summary>
    string Name { get; }

    /// <summary>The hormones a pathway starts with.</summary>
    PathwayHormones Initial(string pathway);

    /// <summary>The hormones for the next interval, given the last window and the current values.</summary>
    PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current);
}
