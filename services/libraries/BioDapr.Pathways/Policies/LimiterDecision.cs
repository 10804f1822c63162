namespace BioDapr.Pathways.Policies;

/// <summary>What a concurrency limiter decided for a new call.</summary>
public enum LimiterDecision
{
    /// <summary>A slot was free: go ahead.</summary>
    Admitted,

    /// <summary>No slot, but room in the queue: wait for <see cref="ConcurrencyLimiter{TWaiter}.Release"/> to hand one over.</summary>
    Queued,

    /// <summary>No slot and no room in the queue: shed.</summary>
    Rejected,
}
