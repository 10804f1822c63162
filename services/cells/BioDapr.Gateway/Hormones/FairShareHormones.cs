using System.ComponentModel.DataAnnotations;

namespace BioDapr.Gateway.Hormones;

/// <summary>
/// How the gateway shares what it may have in flight to orders between clients (hormones <c>gateway.fairShare.*</c>,
/// applied live; see <see cref="Admission.FairShareScheduler"/>). A request waits for a slot in its own client's queue;
/// the next free slot goes to the waiting client with the fewest requests in flight, so one client's flood never waits
/// ahead of another client's request.
/// </summary>
public sealed record FairShareHormones
{
    /// <summary>The default of <see cref="Concurrency"/>: orders' own admission slots (<c>orders.admission.maxConcurrency</c>).</summary>
    public const int DefaultConcurrency = 8;

    /// <summary>The default of <see cref="QueueLimit"/>.</summary>
    public const int DefaultQueueLimit = 32;

    /// <summary>The default of <see cref="QueueTimeoutMs"/>.</summary>
    public const int DefaultQueueTimeoutMs = 1_000;

    /// <summary>The default of <see cref="StandingQueueTimeoutMs"/>.</summary>
    public const int DefaultStandingQueueTimeoutMs = 50;

    /// <summary>
    /// Requests the gateway has in flight to orders at once, all clients together (further bounded by the gateway's
    /// worker slots and by the gateway → orders pathway's concurrency limit and queue). Beyond what orders serves at
    /// once, requests would only wait, or be shed, inside orders, where no client's share is known.
    /// </summary>
    [Range(1, 10_000)]
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>Requests one client may have waiting for a slot; one more is refused at once with 429.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; init; } = DefaultQueueLimit;

    /// <summary>
    /// The longest a request waits for a slot, in milliseconds (0: no waiting). Past it the request is refused, before
    /// anything was done: 429 when its client already had its share in flight, 503 otherwise; both with Retry-After.
    /// </summary>
    [Range(0, 60_000)]
    public int QueueTimeoutMs { get; init; } = DefaultQueueTimeoutMs;

    /// <summary>
    /// The longest a request waits for a slot, in milliseconds, when its client's queue is standing: it has not been
    /// empty for a whole <see cref="QueueTimeoutMs"/> (at most QueueTimeoutMs applies; 0: such a request is refused at
    /// once). A queue that absorbs a burst empties again; one that stays means the client sends more than its share is
    /// served, and there every request would be answered only after waiting the whole queue timeout, after a client
    /// whose deadline is as long has given up (controlled delay, as CoDel and "Fail at Scale").
    /// </summary>
    [Range(0, 60_000)]
    public int StandingQueueTimeoutMs { get; init; } = DefaultStandingQueueTimeoutMs;
}
