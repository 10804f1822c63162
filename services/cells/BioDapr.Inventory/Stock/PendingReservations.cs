namespace BioDapr.Inventory.Stock;

/// <summary>A reservation waiting for its SKU's next group commit, and the outcome the commit gives it.</summary>
internal sealed class PendingReservation(string orderId, int attempt, int quantity, string? etag, DateTimeOffset at)
{
    public string OrderId { get; } = orderId;

    public int Attempt { get; } = attempt;

    public int Quantity { get; } = quantity;

    /// <summary>The ETag of the order's reservation record as read under the order's lock (null: first write).</summary>
    public string? ETag { get; } = etag;

    public DateTimeOffset At { get; } = at;

    /// <summary>Set by the commit that took it (continuations run off the committer's thread).</summary>
    public TaskCompletionSource<(ReservationOutcome Outcome, ReservationRecord? Reservation, StockLevel? Stock)> Outcome { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The reservations queued per SKU for the next group commit, oldest first.</summary>
internal sealed class PendingQueues
{
    private readonly Dictionary<string, List<PendingReservation>> _queues = new(StringComparer.Ordinal);

    public void Add(string sku, PendingReservation pending)
    {
        lock (_queues)
        {
            if (!_queues.TryGetValue(sku, out var queue))
            {
                queue = [];
                _queues[sku] = queue;
            }

            queue.Add(pending);
        }
    }

    /// <summary>Removes <paramref name="pending"/> unless a commit took it already (then its outcome stands).</summary>
    public bool TryWithdraw(string sku, PendingReservation pending)
    {
        lock (_queues)
        {
            if (!_queues.TryGetValue(sku, out var queue) || !queue.Remove(pending))
            {
                return false;
            }

            if (queue.Count == 0)
            {
                _queues.Remove(sku);
            }

            return true;
        }
    }

    /// <summary>Takes up to <paramref name="max"/> of the oldest reservations queued for <paramref name="sku"/>.</summary>
    public List<PendingReservation> TakeAll(string sku, int max)
    {
        lock (_queues)
        {
            if (!_queues.TryGetValue(sku, out var queue))
            {
                return [];
            }

            var taken = queue.Count <= max ? queue : queue.GetRange(0, max);
            if (taken == queue)
            {
                _queues.Remove(sku);
            }
            else
            {
                queue.RemoveRange(0, max);
            }

            return taken;
        }
    }
}

/// <summary>Stands for a lock that was not taken (nothing to give back).</summary>
internal sealed class NotHeld : IDisposable
{
    public static NotHeld Instance { get; } = new();

    public void Dispose()
    {
    }
}
