namespace BioDapr.Gateway.Admission;

/// <summary>What <see cref="FairShareScheduler.EnterAsync"/> decided for one request.</summary>
public enum FairShareOutcome
{
    /// <summary>The request holds a slot: call <see cref="FairShareScheduler.Exit"/> when it ends.</summary>
    Admitted,

    /// <summary>Its client already had as many requests waiting as it may (429: the client's own doing).</summary>
    QueueFull,

    /// <summary>No slot within the queue timeout, and its client had at least its fair share in flight (429).</summary>
    OverShare,

    /// <summary>No slot within the queue timeout although its client was below its fair share: the capacity is busy (503).</summary>
    Busy,
}
