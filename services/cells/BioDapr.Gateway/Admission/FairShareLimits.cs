using BioDapr.Cell.Ingress;
using BioDapr.Gateway.Hormones;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Gateway.Admission;

/// <summary>The limits <see cref="FairShareScheduler"/> applies, read at every decision.</summary>
/// <param name="Concurrency">Slots, all clients together (at least 1).</param>
/// <param name="QueueLimit">Requests one client may have waiting.</param>
/// <param name="QueueTimeout">The longest a request waits for a slot.</param>
/// <param name="StandingQueueTimeout">
/// The longest a request waits when its client's queue has not been empty for a whole <paramref name="QueueTimeout"/>
/// (null: <paramref name="QueueTimeout"/>; at most <paramref name="QueueTimeout"/> applies).
/// </param>
public readonly record struct FairShareLimits(int Concurrency, int QueueLimit, TimeSpan QueueTimeout, TimeSpan? StandingQueueTimeout = null)
{
    /// <summary>
    /// The gateway's limits now: the fair-share hormones, bounded by the gateway's own worker slots (less a pathogen's
    /// slot reduction, plus their queue) and by the gateway → orders pathway's concurrency limit and queue (which the
    /// cortex may lower).
    /// </summary>
    public static FairShareLimits From(FairShareHormones fairShare, AdmissionHormones admission, PathogenHormones pathogens, PathwayHormones pathway)
    {
        ArgumentNullException.ThrowIfNull(fairShare);
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(pathogens);
        ArgumentNullException.ThrowIfNull(pathway);
        var slots = admission.MaxConcurrency - pathogens.SlotReduction + admission.QueueLimit;
        var concurrency = Math.Min(fairShare.Concurrency, Math.Min(slots, pathway.ConcurrencyLimit + pathway.QueueLimit));
        return new FairShareLimits(Math.Max(1, concurrency), fairShare.QueueLimit, TimeSpan.FromMilliseconds(fairShare.QueueTimeoutMs), TimeSpan.FromMilliseconds(fairShare.StandingQueueTimeoutMs));
    }
}
