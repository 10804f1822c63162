namespace BioDapr.Recycling.DeadLetters;

/// <summary>What a replay of one dead letter did.</summary>
public enum ReplayOutcome
{
    /// <summary>Published again to its original topic and removed from the dead letters, in one atomic step.</summary>
    Replayed,

    /// <summary>Not (or no longer) there: already replayed, trimmed past the retention, or never existed. Nothing was published.</summary>
    NotFound,

    /// <summary>Its original topic is unknown (a raw payload without a CloudEvent) and none was given. Nothing was published.</summary>
    NoTopic,
}
