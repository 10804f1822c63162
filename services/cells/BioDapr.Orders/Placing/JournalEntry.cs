namespace BioDapr.Orders.Placing;

/// <summary>
/// A journal slot (state key <c>journal-{n}</c>): an attempt that is not settled yet. It is written in the same
/// transaction that claims the order and deleted once the attempt is settled (placed and announced, refused,
/// or rolled back). The sweeper settles what a crash left behind.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="Attempt">The attempt.</param>
/// <param name="DeadlineUnixMs">When its caller gives up.</param>
public sealed record JournalEntry(string OrderId, int Attempt, long DeadlineUnixMs);
