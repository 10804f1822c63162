namespace BioDapr.Chaos.Clients;

/// <summary>The orders driven during one fault, shared by the load, the hostile client and the audit.</summary>
public sealed class OrderLedger
{
    private readonly Lock _lock = new();
    private readonly List<DrivenOrder> _orders = [];

    /// <summary>Adds an order.</summary>
    public void Add(DrivenOrder order)
    {
        lock (_lock)
        {
            _orders.Add(order);
        }
    }

    /// <summary>The orders so far.</summary>
    public IReadOnlyList<DrivenOrder> Snapshot()
    {
        lock (_lock)
        {
            return [.. _orders];
        }
    }
}
