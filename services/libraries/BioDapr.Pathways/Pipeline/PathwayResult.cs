using BioDapr.Pathways.Policies;

namespace BioDapr.Pathways.Pipeline;

/// <summary>The end of one call through a pathway: how it ended, the value if any, the exception if any.</summary>
public readonly record struct PathwayResult<T>(PathwayOutcome Outcome, T? Value, Exception? Exception, int Attempts)
{
    /// <summary>True when the caller got a usable answer.</summary>
    public bool IsGood => PathwayOutcomes.IsGood(Outcome);
}
